"""toklon.spark: the linkage of a toklon run on a Spark cluster.

``run(spark, input, out, partitions=N, as_of=...)`` (and ``python -m toklon.spark
run INPUT --out OUT --partitions N``) reads the job's base and registries through
Spark, links them on the executors with ``mapInArrow`` and ``applyInArrow``, and
writes the same output folder as ``toklon run INPUT --out OUT``. Its links,
unlinked reasons, duplicates and lists are those of the single-machine run, at
any number of partitions.

What runs where:

1. **read** (Spark): each Parquet source, rows numbered in file order
   (``_metadata.row_index``); executors read each batch with toklon's reader
   (same column mapping and rejects) and a repeated ``record_id`` keeps its
   first row, as the reader does.
2. **census** (executors, merged on the driver): base rows per block and per
   name; the merged census is broadcast, and with it every executor knows each
   record's effective block keys (crowded blocks split, oversized ones skipped,
   as on one machine).
3. **memberships** (executors): each row once per ``(rule, key)`` it is blocked
   under, in part ``hash(rule, key) % partitions``.
4. **models** (samples on executors, fitted on the driver): every sample is
   the bottom-k of a hash of record IDs (each partition offers its k smallest,
   the driver keeps the k smallest of all); the fit rows' candidate pairs are
   found part by part; EM runs on the driver and the model is broadcast.
5. **scoring** (executors, per part, ``cogroup``): each pair is scored once, in
   the block of the first rule that yields it; each part keeps every registry
   record's best two candidates. Deduplication scores base pairs alike and
   keeps those at or above the threshold.
6. **decide, cluster, cover, write** (driver): the engine reads the sources
   again, decides each registry record from its candidates, clusters the base
   from the global edge list, and computes coverage and lists as ``toklon run``
   does.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import logging
import math
import os
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import pyarrow as pa

from toklon._toklon import Shard, ToklonError, spark_finish, spark_job

__all__ = ["run", "main"]

_log = logging.getLogger("toklon.spark")


@contextmanager
def _step(name: str):
    """Logs a step's wall time (names only, never values)."""
    t = time.perf_counter()
    yield
    _log.info("%s: %.1f s", name, time.perf_counter() - t)

# Executor side: the steps of the job being run (one at a time), by the run's
# key, so a Python worker deserializes the broadcast census once.
_SHARDS: dict = {}


def _shard(key: str, context: str, census: Any) -> Shard:
    """The steps of run `key`, with the broadcast `census` when given."""
    slot = (key, census is not None)
    s = _SHARDS.get(slot)
    if s is None:
        for old in [k for k in _SHARDS if k[0] != key]:
            del _SHARDS[old]
        s = Shard(context, None if census is None else census.value)
        _SHARDS[slot] = s
    return s


def _table(batches) -> Optional[pa.Table]:
    batches = [b for b in batches if b.num_rows]
    return pa.Table.from_batches(batches) if batches else None


def _as_table(batch: pa.RecordBatch) -> pa.Table:
    return pa.Table.from_batches([batch])


class _Run:
    """One run's driver: the Spark session, the job's context and the frames."""

    def __init__(self, spark, input: Path, partitions: int, as_of: Any):
        from pyspark.sql import functions as F

        self.spark = spark
        self.F = F
        self.input = input
        self.partitions = max(1, int(partitions))
        job = json.loads(spark_job(str(input), as_of))
        if not job["as_of"]:
            job = json.loads(spark_job(str(input), _dt.date.today().isoformat()))
        self.as_of = job["as_of"]
        self.context = job["context"]
        self.sources = job["sources"]
        for s in self.sources:
            if s["kind"] != "households" and s["format"] != "parquet":
                raise ToklonError(
                    f"{s['path']}: toklon.spark reads Parquet sources; this one is "
                    f"`{s['format']}` (convert it, or run toklon run)"
                )
        self.key = uuid.uuid4().hex
        self.census = None
        self.driver = Shard(self.context)

    # -- reading ---------------------------------------------------------------

    def rows(self, name: str, path: str):
        """The rows of source `name` the reader keeps, with `__ord` (file order)
        and `__id` (record_id), cached."""
        F = self.F
        df = (
            self.spark.read.parquet(path)
            .select("*", F.col("_metadata.row_index").alias("__ord"))
        )
        key, context = self.key, self.context

        def ids(it):
            s = _shard(key, context, None)
            for b in it:
                yield s.ids(name, _as_table(b))

        found = df.mapInArrow(ids, "__ord long, __id string")
        first = found.groupBy("__id").agg(F.min("__ord").alias("__ord"))
        return df.join(first, "__ord").cache()

    # -- census ----------------------------------------------------------------

    def count_census(self, base) -> None:
        key, context = self.key, self.context

        def census(it):
            t = _table(it)
            if t is not None:
                s = _shard(key, context, None)
                yield pa.RecordBatch.from_pydict({"census": [s.census(t)]})

        parts = [r.census for r in base.mapInArrow(census, "census binary").collect()]
        merged = Shard.merge_census(parts)
        self.census = self.spark.sparkContext.broadcast(merged)
        self.driver = Shard(self.context, merged)

    # -- memberships -----------------------------------------------------------

    def members(self, name: str, rows):
        from pyspark.sql.types import IntegerType, StructField, StructType

        schema = StructType(
            rows.schema.fields
            + [
                StructField("__rule", IntegerType()),
                StructField("__part", IntegerType()),
            ]
        )
        key, context, census, parts = self.key, self.context, self.census, self.partitions

        def members(it):
            s = _shard(key, context, census)
            for b in it:
                m = s.memberships(name, _as_table(b), parts)
                out = b.take(m.column("__idx"))
                out = out.append_column("__rule", m.column("__rule"))
                yield out.append_column("__part", m.column("__part"))

        return rows.mapInArrow(members, schema).cache()

    # -- samples ---------------------------------------------------------------

    def sample(self, name: str, rows, k: int, purpose: str) -> list:
        """The record IDs of the sample, in rank order."""
        if k <= 0:
            return []
        key, context = self.key, self.context

        def draw(it):
            t = _table(it)
            if t is not None:
                yield _shard(key, context, None).bottom_k(name, t, k, purpose)

        drawn = rows.mapInArrow(draw, "__rank long, __id string").collect()
        ranked = sorted((r["__rank"] % (1 << 64), r["__id"]) for r in drawn)
        return [i for _, i in ranked[:k]]

    def ids_frame(self, ids: list):
        return self.F.broadcast(
            self.spark.createDataFrame([(i,) for i in ids], "__id string")
        )

    def gather(self, rows, ids: list) -> pa.Table:
        if not ids:
            return rows.limit(0).toArrow()
        return rows.join(self.ids_frame(ids), "__id", "left_semi").toArrow()

    # -- per part --------------------------------------------------------------

    def cogroup(self, base_members, reg_members, step, schema: str):
        """`step(shard, base, reg)` over each part's rows of both sides."""
        key, context, census = self.key, self.context, self.census
        empty = self.spark.createDataFrame([], schema).toArrow().schema

        def apply(left: pa.Table, right: pa.Table) -> pa.Table:
            if left.num_rows == 0 or right.num_rows == 0:
                return empty.empty_table()
            return pa.Table.from_batches([step(_shard(key, context, census), left, right)])

        return (
            base_members.groupBy("__part")
            .cogroup(reg_members.groupBy("__part"))
            .applyInArrow(apply, schema)
        )

    def per_part(self, base_members, step, schema: str):
        """`step(shard, base)` over each part's base rows."""
        key, context, census = self.key, self.context, self.census

        def apply(t: pa.Table) -> pa.Table:
            return pa.Table.from_batches([step(_shard(key, context, census), t)])

        return base_members.groupBy("__part").applyInArrow(apply, schema)

    # -- models ----------------------------------------------------------------

    def link_model(self, name: str, base, reg, base_m, reg_m, n_pop: int, n_reg: int) -> str:
        a, b, k = self.driver.link_sample_sizes(n_pop, n_reg)
        base_s = self.sample("population", base, a, "link_u_base")
        reg_s = self.sample(name, reg, b, "link_u_registry")
        u, u_pairs = self.driver.link_u(
            name, self.gather(base, base_s), base_s, self.gather(reg, reg_s), reg_s
        )
        fit_ids = self.sample(name, reg, k, "link_fit")
        fit_m = reg_m.join(self.ids_frame(fit_ids), "__id", "left_semi")
        pairs = self.cogroup(
            base_m,
            fit_m,
            lambda s, bt, rt: s.fit_part(name, bt, rt),
            "__reg_id string, levels binary, tf_first float, tf_last float, rules long",
        ).toArrow()
        return self.driver.fit_model(u, u_pairs, fit_ids, pairs, n_pop)

    def dedupe_model(self, base, base_m, n_pop: int, models: dict) -> str:
        F = self.F
        u_k, fit_k = self.driver.dedupe_sample_sizes(n_pop)
        u_ids = self.sample("population", base, u_k, "dedupe_u")
        u, u_pairs = self.driver.dedupe_u(self.gather(base, u_ids), u_ids)
        start = self.driver.dedupe_start(u, [models[n] for n in sorted(models)])
        fit_ids = self.sample("population", base, fit_k, "dedupe_fit")
        best = (
            self.per_part(
                base_m,
                lambda s, t: s.dedupe_best(start, t),
                "__id string, weight double",
            )
            .groupBy("__id")
            .agg(F.max("weight").alias("weight"))
            .join(self.ids_frame(fit_ids), "__id", "left_semi")
            .collect()
        )
        got = {r["__id"]: r["weight"] for r in best}
        return Shard.dedupe_finish(
            start, u_pairs, [got.get(i, -math.inf) for i in fit_ids], n_pop
        )


def run(
    spark,
    input: Any,
    out: Any,
    partitions: int = 16,
    as_of: Any = None,
    threads: Optional[int] = None,
    *,
    no_previous: bool = False,
) -> dict:
    """Run the job at ``input`` (a canonical folder or a job file, as ``toklon
    run``) with its linkage on the Spark session ``spark``, and write the output
    folder ``out`` as ``toklon run INPUT --out OUT`` does. Returns
    ``summary.json`` as a dict.

    ``partitions`` is the number of parts the blocks are hashed into (each part
    one task of the scoring steps); ``as_of`` a ``datetime.date`` or
    ``"YYYY-MM-DD"`` (default: the job's, else today's); ``threads`` the
    driver's worker threads for its part of the run. The base and registries
    must be Parquet files the executors can read at the job's paths.
    """
    r = _Run(spark, Path(input), partitions, None if as_of is None else str(as_of))
    names = [s["name"] for s in r.sources if s["kind"] == "registry"]
    paths = {s["name"]: s["path"] for s in r.sources}
    base = r.rows("population", paths["population"])
    try:
        with _step("census"):
            r.count_census(base)
        with _step("base memberships"):
            base_m = r.members("population", base)
            n_pop = base.count()
        models: dict = {}
        candidates: dict = {}
        for name in names:
            reg = r.rows(name, paths[name])
            reg_m = r.members(name, reg)
            with _step(f"fit {name}"):
                model = r.link_model(name, base, reg, base_m, reg_m, n_pop, reg.count())
            models[name] = model
            with _step(f"score {name}"):
                candidates[name] = r.cogroup(
                    base_m,
                    reg_m,
                    lambda s, bt, rt, name=name, model=model: s.score_part(name, model, bt, rt),
                    "__reg_id string, __pop_id string, weight double, levels binary",
                ).toArrow()
            reg_m.unpersist()
            reg.unpersist()
        with _step("fit dedupe"):
            dm = r.dedupe_model(base, base_m, n_pop, models)
        with _step("dedupe pairs"):
            pairs = r.per_part(
                base_m, lambda s, t: s.dedupe_pairs(dm, t), "a string, b string"
            ).toArrow()
        base_m.unpersist()
    finally:
        base.unpersist()
    with _step("driver: decide, cluster, cover, write"):
        return spark_finish(
            str(input),
            str(out),
            r.as_of,
            models,
            dm,
            candidates,
            pairs,
            threads=threads,
            no_previous=no_previous,
        )


def main(argv: Optional[list] = None) -> int:
    """``python -m toklon.spark run INPUT --out OUT --partitions N [--as-of DATE]``:
    a Spark session of its own runs the job (``--master``, else spark-submit's,
    else ``local[*]``). Exit 0, 1 when the quality gate failed, 2 when the run
    could not happen."""
    p = argparse.ArgumentParser(prog="python -m toklon.spark")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a job with its linkage on Spark")
    r.add_argument("input", help="a data folder in the canonical layout, or a job file")
    r.add_argument("--out", required=True, help="the output folder")
    r.add_argument("--partitions", type=int, default=16, help="parts the blocks are hashed into")
    r.add_argument("--as-of", help="reference date YYYY-MM-DD (default: the job's, else today)")
    r.add_argument(
        "--master",
        help="Spark master (default: spark-submit's, else local[*])",
    )
    r.add_argument("--threads", type=int, help="the driver's worker threads")
    r.add_argument("--no-previous", action="store_true", help="start afresh")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.appName("toklon")
        .config("spark.sql.shuffle.partitions", str(max(1, args.partitions)))
        # The steps log their own times; Spark's bars would cover them.
        .config("spark.ui.showConsoleProgress", "false")
    )
    # Under spark-submit the master is spark-submit's (it started the JVM and
    # set the gateway); alone, a local session.
    if args.master:
        builder = builder.master(args.master)
    elif "PYSPARK_GATEWAY_PORT" not in os.environ:
        builder = builder.master("local[*]")
    spark = builder.getOrCreate()
    try:
        summary = run(
            spark,
            args.input,
            args.out,
            partitions=args.partitions,
            as_of=args.as_of,
            threads=args.threads,
            no_previous=args.no_previous,
        )
    except ToklonError as e:
        print(f"toklon: {e}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    passed = summary.get("quality_gate", {}).get("passed", True)
    print(f"toklon.spark: outputs written to {args.out}", file=sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":
    # Run as `python -m toklon.spark`, this file is `__main__`, whose functions
    # Spark would ship by value; the module's own are found by name on the
    # executors.
    from toklon.spark import main as _main

    sys.exit(_main())
