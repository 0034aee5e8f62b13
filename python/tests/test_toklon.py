"""The Python package end to end: `run` from files, `link`/`cover` over pyarrow,
polars and pandas tables (compared with the CLI run's files), errors, and the
`toklon` command of the wheel."""

from __future__ import annotations

import datetime
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import toklon
from conftest import AS_OF, PEOPLE, registry_files

LINK_KEY = ["registry", "registry_record_id"]


def read_pyarrow(folder: Path):
    base = pq.read_table(folder / "population.parquet")
    households = pq.read_table(folder / "households.parquet")
    registries = {name: pq.read_table(p) for name, p in registry_files(folder, "parquet").items()}
    return base, households, registries


def sorted_rows(table: pa.Table, keys: list[str]) -> list[dict]:
    return table.sort_by([(k, "ascending") for k in keys]).to_pylist()


# --- run -------------------------------------------------------------------


def test_run_returns_the_summary_of_the_files_it_wrote(cli_run, data):
    summary, out = cli_run
    assert summary["as_of"] == AS_OF
    assert summary == __import__("json").loads((out / "summary.json").read_text())
    population = summary["sources"]["population"]
    assert population["rows_read"] == pq.read_metadata(data / "population.parquet").num_rows
    assert population["rows_read"] == population["rows_used"] + population["rows_rejected"]
    for name in registry_files(data, "parquet"):
        reg = summary["sources"][name]
        assert reg["rows_used"] == reg["linked"] + reg["unlinked"]
    assert summary["quality_gate"]["passed"] is True
    assert (out / "links.parquet").is_file() and (out / "report.html").is_file()


def test_run_accepts_a_date_and_a_job_file(data, tmp_path):
    job = tmp_path / "job.toml"
    job.write_text(
        f'registries_dir = "{data / "registries"}"\n'
        f'[population]\npath = "{data / "population.parquet"}"\n'
    )
    summary = toklon.run(job, out=tmp_path / "out", as_of=datetime.date(2025, 1, 1))
    assert summary["as_of"] == AS_OF
    assert "households" not in summary["sources"]


def test_run_error_is_a_toklon_error_with_the_cli_message(tmp_path):
    with pytest.raises(toklon.ToklonError, match="cannot read") as err:
        toklon.run(tmp_path / "missing", out=tmp_path / "out", as_of=AS_OF)
    assert str(tmp_path / "missing") in str(err.value)
    assert issubclass(toklon.ToklonError, Exception)
    with pytest.raises(toklon.ToklonError, match="as_of"):
        toklon.run(tmp_path, as_of="2025-13-01")


def test_run_releases_the_gil(data, tmp_path):
    # With a switch interval of minutes the main thread keeps the GIL unless it
    # lets go of it, so the other thread counts only while Rust runs detached.
    count = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1
            time.sleep(0)  # lets the GIL go, so the main thread gets it back

    old = sys.getswitchinterval()
    sys.setswitchinterval(300)
    t = threading.Thread(target=spin)
    try:
        t.start()
        before = count[0]
        toklon.run(data, out=tmp_path / "out", as_of=AS_OF, no_previous=True)
        during = count[0] - before
    finally:
        stop.set()
        sys.setswitchinterval(old)
        t.join()
    assert during > 0


# --- link and cover over pyarrow ---------------------------------------------


def test_link_from_pyarrow_equals_the_cli_run(cli_run, data):
    _, out = cli_run
    base, households, registries = read_pyarrow(data)
    result = toklon.link(base, registries, households=households, as_of=AS_OF)
    assert set(result) == {"links", "unlinked_registry", "duplicates", "rejects"}
    for name, stream in result.items():
        got = pa.table(stream)
        want = pq.read_table(out / f"{name}.parquet")
        assert got.schema.names == want.schema.names, name
        assert got.num_rows == want.num_rows, name
        # The same rows in the same order, values and types.
        assert got.equals(want), name
    links = pa.table(result["links"])
    assert links.num_rows > PEOPLE // 2
    assert set(links.column("registry").to_pylist()) <= set(registries)


def test_cover_from_pyarrow_equals_the_cli_run(cli_run, data):
    summary, out = cli_run
    base, households, registries = read_pyarrow(data)
    result = toklon.cover(base, registries, households=households, as_of=AS_OF, summary=True)
    for name in ["coverage", "fall_through", "households", "status_problems", "overlaps", "links"]:
        assert pa.table(result[name]).equals(pq.read_table(out / f"{name}.parquet")), name
    assert pa.table(result["coverage"]).num_rows == summary["sources"]["population"]["rows_used"]
    assert result["summary"]["coverage"] == summary["coverage"]


def test_threads_do_not_change_the_links(data):
    base, households, registries = read_pyarrow(data)
    one = toklon.link(base, registries, households=households, as_of=AS_OF, threads=1)
    two = toklon.link(base, registries, households=households, as_of=AS_OF, threads=2)
    assert pa.table(one["links"]).equals(pa.table(two["links"]))


# --- polars and pandas ------------------------------------------------------


def test_link_from_polars_parquet_matches_the_cli(cli_run, data):
    _, out = cli_run
    base = pl.read_parquet(data / "population.parquet")
    registries = {n: pl.read_parquet(p) for n, p in registry_files(data, "parquet").items()}
    households = pl.read_parquet(data / "households.parquet")
    result = toklon.link(base, registries, households=households, as_of=AS_OF)
    got = pl.DataFrame(result["links"])
    want = pl.read_parquet(out / "links.parquet")
    assert got.columns == want.columns
    assert got.equals(want)


def test_link_from_polars_csv_matches_the_cli(cli_run, csv_data):
    # The CSV files of the same people: every column read as text (a 13-digit ID
    # read as a number would lose its leading zero).
    _, out = cli_run
    read = lambda p: pl.read_csv(p, infer_schema=False)  # noqa: E731
    base = read(csv_data / "population.csv")
    registries = {n: read(p) for n, p in registry_files(csv_data, "csv").items()}
    households = read(csv_data / "households.csv")
    result = toklon.link(base, registries, households=households, as_of=AS_OF)
    got = pl.from_arrow(pa.table(result["links"]))
    want = pl.read_parquet(out / "links.parquet")
    cols = ["registry", "registry_record_id", "population_record_id", "match_weight", "method"]
    assert got.select(cols).sort(LINK_KEY).equals(want.select(cols).sort(LINK_KEY))


def test_cover_from_pandas(cli_run, data):
    # Arrow-backed pandas columns keep their types (with NumPy dtypes an integer
    # column with gaps would become floats: `3.0` for village 3).
    _, out = cli_run
    base, households, registries = read_pyarrow(data)
    frame = lambda t: t.to_pandas(types_mapper=pd.ArrowDtype)  # noqa: E731
    as_pandas = {n: frame(t) for n, t in registries.items()}
    assert isinstance(as_pandas[sorted(as_pandas)[0]], pd.DataFrame)
    result = toklon.cover(frame(base), as_pandas, households=frame(households), as_of=AS_OF)
    got = pa.table(result["fall_through"])
    want = pq.read_table(out / "fall_through.parquet")
    assert got.num_rows == want.num_rows > 0
    key = ["record_id"]
    assert sorted_rows(got.select(["record_id", "remedies"]), key) == sorted_rows(
        want.select(["record_id", "remedies"]), key
    )


def test_outputs_implement_the_capsule_interface(data):
    base, _, registries = read_pyarrow(data)
    result = toklon.link(base, registries, as_of=AS_OF)
    links = result["links"]
    assert isinstance(links, toklon.ArrowStream)
    assert hasattr(links, "__arrow_c_stream__")
    # Read twice, by two libraries: the same rows each time.
    table = pa.table(links)
    frame = pl.DataFrame(links)
    assert table.num_rows == frame.height == len(links) == links.num_rows > 0
    assert frame.columns == table.column_names == links.column_names
    assert frame["registry_record_id"].to_list() == table["registry_record_id"].to_pylist()
    # An empty table still has its columns.
    no_rows = toklon.link(base.slice(0, 0), {k: v.slice(0, 0) for k, v in registries.items()}, as_of=AS_OF)
    assert pa.table(no_rows["links"]).schema.names == table.schema.names


# --- bad input --------------------------------------------------------------


def test_bad_tables_raise_toklon_errors(data):
    base, _, registries = read_pyarrow(data)
    with pytest.raises(toklon.ToklonError, match=r"base: a int is not an Arrow table"):
        toklon.link(42, registries, as_of=AS_OF)
    with pytest.raises(toklon.ToklonError, match="registries"):
        toklon.link(base, [registries], as_of=AS_OF)
    no_id = base.drop_columns(["record_id"])
    with pytest.raises(toklon.ToklonError, match=r"population .*missing required column `record_id`"):
        toklon.link(no_id, registries, as_of=AS_OF)
    with pytest.raises(toklon.ToklonError, match=r"cannot be named `population`"):
        toklon.link(base, {"population": base}, as_of=AS_OF)
    at = base.schema.get_field_index("record_id")
    nested = base.set_column(at, "record_id", pa.array([[1]] * base.num_rows))
    with pytest.raises(toklon.ToklonError, match=r"column `record_id` has type"):
        toklon.link(nested, registries, as_of=AS_OF)


def test_bad_rows_become_rejects_not_errors(data):
    base, _, registries = read_pyarrow(data)
    name = sorted(registries)[0]
    reg = registries[name]
    # Repeat the first row: its record_id is taken.
    doubled = pa.concat_tables([reg, reg.slice(0, 1)])
    result = toklon.link(base, {**registries, name: doubled}, as_of=AS_OF)
    rejects = pa.table(result["rejects"]).to_pylist()
    assert {"source": name, "row": reg.num_rows + 1} in [
        {"source": r["source"], "row": r["row"]} for r in rejects
    ]


# --- the command line of the wheel --------------------------------------------


def toklon_command() -> str:
    return str(Path(sys.executable).parent / "toklon")


def test_cli_help_and_run(data, tmp_path):
    help_ = subprocess.run([toklon_command(), "--help"], capture_output=True, text=True)
    assert help_.returncode == 0
    assert "Usage: toklon" in help_.stdout and "generate" in help_.stdout
    out = tmp_path / "out"
    ran = subprocess.run(
        [toklon_command(), "run", str(data), "--out", str(out), "--as-of", AS_OF, "--no-progress"],
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    assert (out / "summary.json").is_file()
    bad = subprocess.run([toklon_command(), "run", str(tmp_path / "nope")], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "toklon: error:" in bad.stderr
