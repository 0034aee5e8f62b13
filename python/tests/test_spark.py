"""toklon.spark in Spark local mode: the same output folder as the CLI at 1, 4
and 16 partitions. pyspark and a JRE are required (CI installs them): without
them these tests fail, they are not skipped."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import toklon
import toklon.spark
from conftest import AS_OF, registry_files

# Outputs that must be the CLI's, row for row and column for column.
TABLES = [
    "links",
    "unlinked_registry",
    "duplicates",
    "coverage",
    "fall_through",
    "households",
    "rejects",
]


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("toklon-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield session
    session.stop()


def module_run(data: Path, out: Path, parts: int) -> dict:
    """`python -m toklon.spark run` (its own local session) over `data`."""
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "toklon.spark",
            "run",
            str(data),
            "--out",
            str(out),
            "--partitions",
            str(parts),
            "--as-of",
            AS_OF,
            "--master",
            "local[2]",
            "--no-previous",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "toklon.spark: census:" in r.stderr, "the steps log their times"
    return json.loads((out / "summary.json").read_text())


@pytest.fixture(scope="module")
def spark_runs(spark, data, tmp_path_factory):
    """`toklon.spark.run` over `data` at 1 and 4 partitions, and the module's
    command line at 16."""
    runs = {}
    for parts in (1, 4, 16):
        out = tmp_path_factory.mktemp(f"spark{parts}") / "out"
        if parts == 16:
            summary = module_run(data, out, parts)
        else:
            summary = toklon.spark.run(
                spark, data, out, partitions=parts, as_of=AS_OF, no_previous=True
            )
        runs[parts] = (summary, out)
    return runs


def lists(out: Path) -> dict[str, bytes]:
    """The per-province fall-through lists (CSV), by path in the folder."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*.csv"))
    }


@pytest.mark.parametrize("parts", [1, 4, 16])
def test_outputs_are_the_clis(spark_runs, cli_run, parts):
    _, cli_out = cli_run
    summary, out = spark_runs[parts]
    assert summary["as_of"] == AS_OF
    for name in TABLES:
        want = pq.read_table(cli_out / f"{name}.parquet")
        got = pq.read_table(out / f"{name}.parquet")
        assert got.schema == want.schema, name
        assert got.num_rows == want.num_rows, name
        assert got.equals(want), f"{name}.parquet differs at {parts} partitions"
    assert (out / "links.parquet").read_bytes() == (cli_out / "links.parquet").read_bytes()
    want_lists = lists(cli_out)
    assert want_lists, "the CLI wrote no lists"
    assert lists(out) == want_lists


@pytest.mark.parametrize("parts", [1, 4, 16])
def test_models_are_fitted_from_the_parts_as_on_one_machine(spark_runs, cli_run, parts):
    # Sampled by record ID hash and each fit pair counted once: a sample drawn
    # by position or a pair scored in two parts changes EM's counts, so the
    # model, at some partition count.
    _, cli_out = cli_run
    _, out = spark_runs[parts]
    want = json.loads((cli_out / "model.json").read_text())
    got = json.loads((out / "model.json").read_text())
    assert got["registries"] == want["registries"]
    assert got["dedupe"] == want["dedupe"]


def test_links_and_unlinked_reasons_counted_as_the_cli(spark_runs, cli_run, data):
    want, _ = cli_run
    for parts, (got, _) in spark_runs.items():
        for name in registry_files(data, "parquet"):
            w, g = want["sources"][name], got["sources"][name]
            for k in ("rows_read", "rows_used", "linked", "unlinked"):
                assert g[k] == w[k], (parts, name, k)


def test_csv_sources_are_refused_with_a_clear_message(spark, csv_data, tmp_path):
    with pytest.raises(toklon.ToklonError, match="reads Parquet sources"):
        toklon.spark.run(spark, csv_data, tmp_path / "out", partitions=2, as_of=AS_OF)


def test_each_candidate_pair_is_found_once_in_16_parts(spark, data, cli_run):
    # The fit step's pairs over every registry row are the registry's candidate
    # pairs: one machine's distinct pairs, each found in exactly one block of
    # one part. A pair found under two rules or in two parts, or one lost, shows.
    from toklon.spark import _Run

    want, _ = cli_run
    r = _Run(spark, data, 16, AS_OF)
    paths = {s["name"]: s["path"] for s in r.sources}
    base = r.rows("population", paths["population"])
    r.count_census(base)
    base_m = r.members("population", base)
    checked = 0
    files = registry_files(data, "parquet")
    largest = sorted(files, key=lambda n: -files[n].stat().st_size)[:3]
    for name in largest:
        reg_m = r.members(name, r.rows(name, paths[name]))
        pairs = r.cogroup(
            base_m,
            reg_m,
            lambda s, bt, rt, name=name: s.fit_part(name, bt, rt),
            "__reg_id string, levels binary, tf_first float, tf_last float, rules long",
        ).toArrow()
        distinct = want["linkage"][name]["blocking"]["distinct_pairs"]
        assert pairs.num_rows == distinct, name
        checked += distinct
    assert checked > 1000


def _linkage_in_process(folder: Path, model: dict):
    """The Spark steps run in this process over whole tables (one part), with
    the CLI's models: candidates and merge pairs for `spark_finish`."""
    from toklon._toklon import Shard, spark_job

    job = json.loads(spark_job(str(folder), AS_OF))
    paths = {s["name"]: s["path"] for s in job["sources"]}

    def load(name):
        t = pq.read_table(paths[name])
        return t.append_column("__ord", pa.array(range(t.num_rows), pa.int64()))

    base = load("population")
    census = Shard.merge_census([Shard(job["context"]).census(base)])
    shard = Shard(job["context"], census)

    def members(name, t):
        m = shard.memberships(name, t, 1)
        out = t.take(m.column("__idx"))
        out = out.append_column("__rule", m.column("__rule"))
        return out.append_column("__part", m.column("__part"))

    base_m = members("population", base)
    models = {n: json.dumps(m) for n, m in model["registries"].items()}
    candidates = {
        n: pa.Table.from_batches([shard.score_part(n, m, base_m, members(n, load(n)))])
        for n, m in models.items()
    }
    dedupe = json.dumps(model["dedupe"])
    pairs = pa.Table.from_batches([shard.dedupe_pairs(dedupe, base_m)])
    return models, dedupe, candidates, pairs


def test_reviewers_decisions_apply_to_given_linkage(data, cli_run, tmp_path):
    from toklon._toklon import spark_finish

    _, cli_out = cli_run
    folder = tmp_path / "data"
    shutil.copytree(data, folder)
    links = pq.read_table(cli_out / "links.parquet").to_pylist()
    unlinked = pq.read_table(cli_out / "unlinked_registry.parquet").to_pylist()
    near = next(u for u in unlinked if u["nearest_population_record_id"])
    linked = links[0]
    rows = [
        "registry,record_id,population_record_id,decision,by,at,why",
        f"{near['registry']},{near['registry_record_id']},"
        f"{near['nearest_population_record_id']},match,qa,2024-12-01,seen",
        f"population,{links[1]['population_record_id']},{links[2]['population_record_id']},"
        "match,qa,2024-12-01,one person",
    ]
    (folder / "decisions.csv").write_text("\n".join(rows) + "\n")
    want = tmp_path / "cli"
    toklon.run(folder, out=want, as_of=AS_OF, no_previous=True)
    model = json.loads((want / "model.json").read_text())
    got = tmp_path / "given"
    spark_finish(str(folder), str(got), AS_OF, *_linkage_in_process(folder, model), no_previous=True)
    for name in ("links", "unlinked_registry", "duplicates", "fall_through"):
        assert (got / f"{name}.parquet").read_bytes() == (want / f"{name}.parquet").read_bytes()
    assert any(r["method"] == "reviewed" for r in pq.read_table(got / "links.parquet").to_pylist())

    # A non-match of a record's best candidate: its two best given are not
    # enough to decide, and the run says so rather than guess.
    rows.append(
        f"{linked['registry']},{linked['registry_record_id']},"
        f"{linked['population_record_id']},non_match,qa,2024-12-02,not them"
    )
    (folder / "decisions.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(toklon.ToklonError, match="non-match is among its two best"):
        spark_finish(
            str(folder),
            str(tmp_path / "refused"),
            AS_OF,
            *_linkage_in_process(folder, model),
            no_previous=True,
        )
