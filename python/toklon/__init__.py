"""toklon: link Thailand's welfare registries to a population base and list the
people and households who fall through the social-protection net.

- ``run(input, out=..., as_of=...)`` runs a job from files exactly as ``toklon run``
  does and returns ``summary.json`` as a dict.
- ``link(base, registries, ...)`` and ``cover(base, registries, ...)`` run the same
  pipeline over tables in memory: pyarrow Tables, polars or pandas DataFrames, or
  any object with ``__arrow_c_stream__`` (the Arrow PyCapsule interface). They
  return a dict of output tables, each an object with ``__arrow_c_stream__``
  (``pyarrow.table(t)``, ``polars.DataFrame(t)``).

Rust does the work with the GIL released. ``toklon.spark`` (imported on its own)
runs the linkage on a Spark cluster and writes the same output folder as ``run``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Mapping, Optional

from toklon._toklon import ArrowStream, ToklonError, __version__, run as _run
from toklon._toklon import run_tables as _run_tables

__all__ = ["ArrowStream", "ToklonError", "__version__", "cover", "link", "run"]

#: The tables ``link`` returns (as the files of these names).
LINK_TABLES = ("links", "unlinked_registry", "duplicates", "rejects")
#: The tables ``cover`` returns.
COVER_TABLES = (
    "coverage",
    "fall_through",
    "households",
    "status_problems",
    "overlaps",
    "links",
    "rejects",
)


def run(
    input: Any,
    out: Any = None,
    as_of: Any = None,
    threads: Optional[int] = None,
    previous: Any = None,
    *,
    no_previous: bool = False,
    thai_headers: bool = False,
    mask_ids: bool = False,
    model: Any = None,
    group_readable: bool = False,
) -> dict:
    """Run a job as ``toklon run INPUT`` does and return ``summary.json`` as a dict.

    ``input`` is a data folder in the canonical layout or a job file (.toml);
    ``out`` the output folder (default: the job's, else ``toklon-out``);
    ``as_of`` a ``datetime.date`` or ``"YYYY-MM-DD"`` (default: the job's, else
    today's local date); ``threads`` (default: the job's, else all cores);
    ``previous`` an earlier run's folder to compare with (default: the output
    folder's own), ``no_previous=True`` to start afresh. The other keywords are the
    flags of the same names. A run whose quality gate fails still returns its
    summary (``summary["quality_gate"]["passed"]`` is False), as the CLI still writes
    its outputs. Raises ``ToklonError`` with the CLI's message when the run cannot
    happen.
    """
    return _run(
        input,
        out=out,
        as_of=as_of,
        threads=threads,
        previous=previous,
        no_previous=no_previous,
        thai_headers=thai_headers,
        mask_ids=mask_ids,
        model=model,
        group_readable=group_readable,
    )


def _tables(
    base: Any,
    registries: Mapping[str, Any],
    households: Any,
    as_of: Any,
    threads: Optional[int],
    previous: Any,
) -> tuple[dict, dict]:
    if not isinstance(registries, Mapping):
        raise ToklonError("registries: give a dict of registry name -> table")
    if as_of is None:
        as_of = _dt.date.today()
    return _run_tables(
        base,
        dict(registries),
        as_of,
        households=households,
        threads=threads,
        previous=None if previous is None else str(previous),
    )


def link(
    base: Any,
    registries: Mapping[str, Any],
    households: Any = None,
    as_of: Any = None,
    threads: Optional[int] = None,
    previous: Any = None,
) -> dict:
    """Link registry records to the population base, in memory.

    ``base`` is the population (one row per person) and ``registries`` maps each
    registry's name to its table (one row per enrolment), with the canonical column
    names of docs/DATA-CONTRACT.md; ``households`` is optional. Tables are anything
    with ``__arrow_c_stream__``. Returns ``{"links", "unlinked_registry",
    "duplicates", "rejects"}``: the rows and columns of the files of those names.
    """
    _, tables = _tables(base, registries, households, as_of, threads, previous)
    return {name: tables[name] for name in LINK_TABLES}


def cover(
    base: Any,
    registries: Mapping[str, Any],
    households: Any = None,
    as_of: Any = None,
    threads: Optional[int] = None,
    previous: Any = None,
    *,
    summary: bool = False,
) -> dict:
    """Link, then compute each person's coverage and the fall-through lists, in memory.

    Arguments as for ``link``. Returns ``{"coverage", "fall_through", "households",
    "status_problems", "overlaps", "links", "rejects"}`` (the files of those names);
    with ``summary=True`` also ``"summary"``: ``summary.json`` as a dict (the
    coverage indicators per protection, group and province).
    """
    summ, tables = _tables(base, registries, households, as_of, threads, previous)
    out: dict = {name: tables[name] for name in COVER_TABLES}
    if summary:
        out["summary"] = summ
    return out
