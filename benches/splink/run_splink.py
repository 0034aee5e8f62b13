"""Link a toklon data folder with Splink 4 (DuckDB backend), for the benchmark.

Reads the same generated Parquet files `toklon run` reads (DIR/population.parquet and
DIR/registries/*.parquet), cleans them the way a Splink user would (SQL in DuckDB),
trains a Fellegi-Sunter model, predicts, keeps for each registry record its best
population match above the threshold, and writes OUT/links.parquet in the shape of
toklon's links table plus a minimal OUT/summary.json, so that
`toklon eval --truth DIR/truth OUT` scores Splink and toklon the same way.

The configuration is documented in benches/README.md ("The Splink configuration").

Usage: python run_splink.py DIR OUT [--threshold 0.5] [--u-pairs 1e7] [--seed 42]
"""

import argparse
import json
import os
import sys
import time

import duckdb
import splink
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

# Titles a Thai registry glues to the first name (or keeps in `prefix`). Longest first,
# so that นางสาว is not read as นาง + สาว. Dotted abbreviations (ด.ช., น.ส., ranks such
# as ร.ต.อ. with an optional หญิง) are caught by the second alternative.
TITLE_RE = (
    r"^\s*(?:นางสาว|เด็กชาย|เด็กหญิง|นาย|นาง|"
    r"(?:[ก-ฮ]{1,2}\.){1,4}(?:หญิง)?|"
    r"(?:mrs|mr|miss|ms)(?:\.|\s))\s*"
)

CLEAN_SQL = """
    select
        {uid} as unique_id,
        {registry} as registry,
        record_id,
        nullif(lpad(regexp_replace(translate(coalesce(national_id, ''),
               '๐๑๒๓๔๕๖๗๘๙', '0123456789'), '[^0-9]', '', 'g'), 13, '0'),
               '0000000000000') as nid,
        nullif(lower(trim(regexp_replace(coalesce(first_name, ''), '{title}', '', 'i'))), '')
            as first_name,
        nullif(lower(trim(last_name)), '') as last_name,
        case when upper(sex) in ('M', '1', 'ชาย') then 'M'
             when upper(sex) in ('F', '2', 'หญิง') then 'F' end as sex,
        subdistrict_code,
        substr(subdistrict_code, 1, 4) as district_code,
        substr(subdistrict_code, 1, 2) as province_code,
        nullif(trim(house_no), '') as house_no,
        village_no,
        birth_date as birth_date_raw
    from read_parquet({files})
"""

# Birth dates come as 2530-03-15, 25300315, 15/03/2530, in BE or CE, with 00 for an
# unknown month or day: split them, move BE to CE (BE = CE + 543), keep the year alone
# when the day or month is unknown.
DATE_SQL = """
    with parts as (
        select *,
            case
              when regexp_matches(birth_date_raw, '^\\d{4}-\\d{2}-\\d{2}$') then
                [substr(birth_date_raw, 1, 4), substr(birth_date_raw, 6, 2), substr(birth_date_raw, 9, 2)]
              when regexp_matches(birth_date_raw, '^\\d{8}$') then
                [substr(birth_date_raw, 1, 4), substr(birth_date_raw, 5, 2), substr(birth_date_raw, 7, 2)]
              when regexp_matches(birth_date_raw, '^\\d{1,2}/\\d{1,2}/\\d{4}$') then
                [split_part(birth_date_raw, '/', 3), split_part(birth_date_raw, '/', 2), split_part(birth_date_raw, '/', 1)]
              when regexp_matches(birth_date_raw, '^\\d{4}$') then
                [birth_date_raw, '00', '00']
            end as p
        from {src}
    ), ce as (
        select * exclude (p, birth_date_raw),
            case when cast(p[1] as int) > 2400 then cast(p[1] as int) - 543
                 else cast(p[1] as int) end as birth_year,
            cast(p[2] as int) as m,
            cast(p[3] as int) as d
        from parts
    )
    select * exclude (m, d),
        case when m between 1 and 12 and d between 1 and 31
             then printf('%04d-%02d-%02d', birth_year, m, d) end as dob
    from ce
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--threshold", type=float, default=0.5,
                    help="minimum match probability for a link")
    ap.add_argument("--u-pairs", type=float, default=1e7,
                    help="random pairs sampled to estimate u")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    t0 = time.monotonic()
    timings = {}

    def lap(name: str) -> None:
        nonlocal t0
        now = time.monotonic()
        timings[name] = round((now - t0) * 1000)
        t0 = now
        print(f"splink: {name} {timings[name] / 1000:.1f} s", file=sys.stderr, flush=True)

    data = os.path.abspath(args.data)
    reg_dir = os.path.join(data, "registries")
    reg_files = sorted(
        os.path.join(reg_dir, f) for f in os.listdir(reg_dir) if f.endswith(".parquet")
    )
    pop_file = os.path.join(data, "population.parquet")

    con = duckdb.connect()
    for name, uid, registry, files in [
        ("pop_raw", "record_id", "'population'", [pop_file]),
        ("reg_raw", "regexp_extract(filename, '([^/]+)\\.parquet$', 1) || '|' || record_id",
         "regexp_extract(filename, '([^/]+)\\.parquet$', 1)", reg_files),
    ]:
        file_list = "[" + ", ".join(f"'{f}'" for f in files) + "]"
        if name == "reg_raw":
            file_list += ", filename = true"
        con.execute(
            f"create table {name} as "
            + CLEAN_SQL.format(uid=uid, registry=registry, files=file_list, title=TITLE_RE)
        )
    con.execute("create table population as " + DATE_SQL.replace("{src}", "pop_raw"))
    con.execute("create table registries as " + DATE_SQL.replace("{src}", "reg_raw"))
    con.execute("drop table pop_raw; drop table reg_raw")
    n_pop = con.sql("select count(*) from population").fetchall()[0][0]
    n_reg = con.sql("select count(*) from registries").fetchall()[0][0]
    lap("read_clean")

    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("nid"),
            block_on("first_name", "last_name"),
            block_on("last_name", "dob"),
            block_on("first_name", "dob"),
            block_on("dob", "subdistrict_code"),
            block_on("last_name", "birth_year", "district_code"),
        ],
        comparisons=[
            # Typos and swapped digits in IDs: exact, then one edit (typo or swap).
            cl.DamerauLevenshteinAtThresholds("nid", 1),
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.CustomComparison(
                output_column_name="geography",
                comparison_levels=[
                    cll.NullLevel("subdistrict_code"),
                    cll.And(
                        cll.ExactMatchLevel("subdistrict_code"),
                        cll.ExactMatchLevel("village_no"),
                        cll.ExactMatchLevel("house_no"),
                    ).configure(label_for_charts="same house"),
                    cll.ExactMatchLevel("subdistrict_code"),
                    cll.ExactMatchLevel("district_code"),
                    cll.ExactMatchLevel("province_code"),
                    cll.ElseLevel(),
                ],
            ),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )

    db_api = DuckDBAPI(connection=con)
    linker = Linker(
        ["population", "registries"],
        settings,
        db_api=db_api,
        input_table_aliases=["population", "registries"],
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nid")], recall=0.9
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=args.u_pairs, seed=args.seed
    )
    lap("estimate_u")
    # Two EM sessions, each blocking on fields the other one learns.
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("nid"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("last_name", "dob")
    )
    lap("em")

    pred = linker.inference.predict(threshold_match_probability=args.threshold)
    lap("predict")

    # Best population match per registry record; ties by weight then population id.
    # Splink puts the left/right sides in source-dataset order, so the registry side
    # is whichever side's source_dataset is `registries`.
    os.makedirs(args.out, exist_ok=True)
    links_path = os.path.join(os.path.abspath(args.out), "links.parquet")
    con.execute(f"""
        copy (
            with p as (
                select
                    case when source_dataset_l = 'registries' then unique_id_r else unique_id_l end as pop_uid,
                    case when source_dataset_l = 'registries' then unique_id_l else unique_id_r end as reg_uid,
                    match_weight, match_probability
                from {pred.physical_name}
            ), best as (
                select *, row_number() over (
                    partition by reg_uid order by match_weight desc, pop_uid) as rk
                from p
            )
            select
                pop_uid as population_record_id,
                split_part(reg_uid, '|', 1) as registry,
                substr(reg_uid, length(split_part(reg_uid, '|', 1)) + 2) as registry_record_id,
                match_weight,
                match_probability,
                'splink' as method
            from best where rk = 1
            order by registry, registry_record_id
        ) to '{links_path}' (format parquet)
    """)
    n_links = con.sql(f"select count(*) from read_parquet('{links_path}')").fetchall()[0][0]
    lap("decide_write")

    # Enough of toklon's summary.json for `toklon eval` to find the inputs (it splits
    # the scores by whether the registry ID was missing or wrong).
    sources = {"population": {"path": pop_file}}
    for f in reg_files:
        sources[os.path.basename(f)[: -len(".parquet")]] = {"path": f}
    summary = {
        "tool": f"splink {splink.__version__} (duckdb {duckdb.__version__})",
        "population_rows": n_pop,
        "registry_rows": n_reg,
        "links": n_links,
        "sources": sources,
        "timings_ms": timings,
    }
    with open(os.path.join(args.out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    print(f"splink: {n_pop} population rows, {n_reg} registry rows, {n_links} links",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
