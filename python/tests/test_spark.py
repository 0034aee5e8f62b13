"""toklon.spark in Spark local mode: the same output folder as the CLI at 1, 4
and 16 partitions. pyspark and a JRE are required (CI installs them): without
them these tests fail, they are not skipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


@pytest.fixture(scope="module")
def spark_runs(spark, data, tmp_path_factory):
    """`toklon.spark.run` over `data` at 1, 4 and 16 partitions."""
    runs = {}
    for parts in (1, 4, 16):
        out = tmp_path_factory.mktemp(f"spark{parts}") / "out"
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


def test_module_entry_point_writes_the_same_links(data, cli_run, tmp_path):
    _, cli_out = cli_run
    out = tmp_path / "out"
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
            "3",
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
    assert (out / "links.parquet").read_bytes() == (cli_out / "links.parquet").read_bytes()


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
