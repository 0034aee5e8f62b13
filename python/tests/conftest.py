"""Shared data for the Python tests: a small synthetic set made by the CLI of the
installed wheel (`toklon generate`, the generator's own data, not the linker's),
and a CLI run over it to compare the in-memory functions with."""

from __future__ import annotations

from pathlib import Path

import pytest

from toklon._toklon import main as cli_main

AS_OF = "2025-01-01"
PEOPLE = 1500


def generate(out: Path, fmt: str) -> Path:
    code = cli_main(
        [
            "toklon",
            "-q",
            "generate",
            "--people",
            str(PEOPLE),
            "--seed",
            "7",
            "--format",
            fmt,
            "--out",
            str(out),
        ]
    )
    assert code == 0, f"toklon generate exited {code}"
    return out


@pytest.fixture(scope="session")
def data(tmp_path_factory) -> Path:
    """A canonical folder of Parquet files."""
    return generate(tmp_path_factory.mktemp("gen") / "data", "parquet")


@pytest.fixture(scope="session")
def csv_data(tmp_path_factory) -> Path:
    """The same people as `data` (same seed), as CSV files."""
    return generate(tmp_path_factory.mktemp("gen_csv") / "data", "csv")


@pytest.fixture(scope="session")
def cli_run(data, tmp_path_factory):
    """`toklon.run` over `data`: its summary and output folder."""
    import toklon

    out = tmp_path_factory.mktemp("run") / "out"
    summary = toklon.run(data, out=out, as_of=AS_OF, no_previous=True)
    return summary, out


def registry_files(folder: Path, ext: str) -> dict[str, Path]:
    return {p.stem: p for p in sorted((folder / "registries").glob(f"*.{ext}"))}
