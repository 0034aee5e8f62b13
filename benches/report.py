"""Helpers for benches/e2e.sh and benches/splink.sh (Python 3 standard library only).

    report.py machine                       -> markdown lines describing this machine
    report.py time FILE                     -> "wall_seconds peak_rss_kib" from `/usr/bin/time -v`
    report.py e2e SIZE RUNDIR...            -> one markdown row per size (medians over runs)
    report.py e2e-header                    -> the header of that table
    report.py splice RESULTS NAME FILE      -> replace the section NAME of RESULTS by FILE

A run directory RUNDIR holds `time.txt` (the output of /usr/bin/time -v), `out/`
(toklon's outputs, with summary.json) and `eval.json` (`toklon eval --json`).
"""

import json
import os
import re
import statistics
import sys

PHASES = ["read", "standardize", "dedupe", "block_index", "fit", "score_decide",
          "coverage", "write"]


def machine() -> str:
    cpu = "unknown"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    load = open("/proc/loadavg").read().split()[:3]
    return (f"- machine: {os.cpu_count()} logical CPUs ({cpu}), "
            f"{mem_kib / 1024 / 1024:.1f} GiB RAM\n"
            f"- load average (1/5/15 min) when measured: {' / '.join(load)} "
            f"(other work shared the machine: timings are noisy)")


def parse_time(path: str) -> tuple[float, int]:
    wall, rss = 0.0, 0
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if line.startswith("Elapsed (wall clock) time"):
                parts = [float(p) for p in line.rsplit(" ", 1)[1].split(":")]
                wall = 0.0
                for p in parts:
                    wall = wall * 60 + p
            elif line.startswith("Maximum resident set size"):
                rss = int(line.rsplit(" ", 1)[1])
    return wall, rss


def fmt_s(ms: float) -> str:
    return f"{ms / 1000:.1f}"


def e2e_header() -> str:
    cols = ["people", "base rows", "registry rows", "runs", "wall s (median)"]
    cols += [f"{p} s" for p in PHASES]
    cols += ["records/s", "peak RSS MiB", "pairs / registry row", "precision", "recall", "F1"]
    return "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols)


def e2e_row(size: str, rundirs: list[str]) -> str:
    walls, rsss, phase = [], [], {p: [] for p in PHASES}
    summary, ev = None, None
    for d in rundirs:
        w, r = parse_time(os.path.join(d, "time.txt"))
        walls.append(w)
        rsss.append(r)
        with open(os.path.join(d, "out", "summary.json")) as fh:
            summary = json.load(fh)
        for p in PHASES:
            phase[p].append(summary.get("timings_ms", {}).get(p, 0))
        ev_path = os.path.join(d, "eval.json")
        if os.path.exists(ev_path):
            with open(ev_path) as fh:
                ev = json.load(fh)
    src = summary["sources"]
    base = src["population"]["rows_read"]
    regs = {k: v for k, v in src.items() if k not in ("population", "households")}
    reg_rows = sum(v["rows_read"] for v in regs.values())
    link = summary.get("linkage") or {}
    pairs = sum(link[k]["blocking"]["distinct_pairs"] for k in regs if k in link)
    reg_used = sum(link[k]["blocking"]["registry_rows"] for k in regs if k in link)
    wall = statistics.median(walls)
    rows = summary["totals"]["rows_read"]
    o = (ev or {}).get("overall", {})
    cells = [f"{int(size):,}", f"{base:,}", f"{reg_rows:,}", str(len(rundirs)), f"{wall:.1f}"]
    cells += [fmt_s(statistics.median(phase[p])) for p in PHASES]
    cells += [f"{rows / wall:,.0f}" if wall else "-",
              f"{statistics.median(rsss) / 1024:,.0f}",
              f"{pairs / reg_used:.2f}" if reg_used else "-",
              f"{o.get('precision', float('nan')):.5f}",
              f"{o.get('recall', float('nan')):.5f}",
              f"{o.get('f1', float('nan')):.5f}"]
    return "| " + " | ".join(cells) + " |"


def splice(results: str, name: str, body_file: str) -> None:
    """Replaces the text between the section's markers (or appends the section)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    body = open(body_file).read().rstrip("\n")
    block = f"{begin}\n{body}\n{end}"
    text = open(results).read() if os.path.exists(results) else "# Benchmark results\n"
    pat = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if pat.search(text):
        text = pat.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(results, "w") as fh:
        fh.write(text)


def main(argv: list[str]) -> int:
    cmd = argv[1]
    if cmd == "machine":
        print(machine())
    elif cmd == "time":
        w, r = parse_time(argv[2])
        print(f"{w:.2f} {r}")
    elif cmd == "e2e-header":
        print(e2e_header())
    elif cmd == "e2e":
        print(e2e_row(argv[2], argv[3:]))
    elif cmd == "splice":
        splice(argv[2], argv[3], argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
