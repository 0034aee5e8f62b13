"""Helpers for benches/e2e.sh and benches/splink.sh (Python 3 standard library only).

    report.py machine                       -> markdown lines describing this machine
    report.py time FILE                     -> "wall_seconds peak_rss_kib" from `/usr/bin/time -v`
    report.py e2e SIZE RUNDIR...            -> one markdown row per size (medians over runs)
    report.py e2e-header                    -> the header of that table
    report.py splice RESULTS NAME FILE      -> replace the section NAME of RESULTS by FILE
    report.py plot RUNS_DIR OUT.svg          -> wall time and peak RSS against people, for
                                               toklon (e2e runs: median) and Splink

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
              *(f"{o[k]:.5f}" if k in o else "not scored" for k in ("precision", "recall", "f1"))]
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


def collect(runs_dir: str) -> dict[str, dict[int, list[tuple[float, int]]]]:
    """(wall s, peak RSS KiB) per tool and size from the run folders of e2e.sh
    (toklon-p<N>-r<k>) and splink.sh (cmp-splink-u<pairs>-p<N>, one tool per
    setting of Splink's u sampling)."""
    found: dict[str, dict[int, list[tuple[float, int]]]] = {"toklon": {}}
    for name in sorted(os.listdir(runs_dir)):
        path = os.path.join(runs_dir, name, "time.txt")
        if not os.path.exists(path):
            continue
        if m := re.fullmatch(r"toklon-p(\d+)-r\d+", name):
            tool = "toklon"
        elif m := re.fullmatch(r"cmp-splink-u([0-9.e+]+)-p(\d+)", name):
            tool = f"Splink (u {m.group(1)})"
        else:
            continue
        wall, rss = parse_time(path)
        if wall > 0:
            found.setdefault(tool, {}).setdefault(int(m.group(m.lastindex)), []).append((wall, rss))
    return found


def plot(runs_dir: str, out: str) -> None:
    """Two log-log panels, wall time and peak RSS against people; a dashed line
    marks linear growth from the smallest toklon size."""
    import math

    data = collect(runs_dir)
    palette = ["#d1242f", "#bf8700", "#8250df", "#1a7f37"]
    colors = {"toklon": "#1f6feb"}
    for k, tool in enumerate(t for t in sorted(data) if t != "toklon"):
        colors[tool] = palette[k % len(palette)]
    series = {
        tool: sorted((n, statistics.median(w for w, _ in v), statistics.median(r for _, r in v) / 1024)
                     for n, v in sizes.items())
        for tool, sizes in data.items() if sizes
    }
    w, h, pad = 360, 260, 52
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w + 40}" height="{h + 70}" '
             'font-family="sans-serif" font-size="11">',
             '<rect width="100%" height="100%" fill="white"/>']
    for k, (label, idx, unit) in enumerate([("wall time", 1, "s"), ("peak RSS", 2, "MiB")]):
        x0 = 20 + k * (w + 20)
        points = [(t[0], t[idx]) for pts in series.values() for t in pts]
        if not points:
            continue
        xs = [math.log10(n) for n, _ in points]
        ys = [math.log10(max(v, 1e-3)) for _, v in points]
        xlo, xhi = math.floor(min(xs)), math.ceil(max(xs))
        ylo, yhi = math.floor(min(ys)), math.ceil(max(ys))
        xhi, yhi = max(xhi, xlo + 1), max(yhi, ylo + 1)

        def sx(v: float) -> float:
            return x0 + pad + (math.log10(v) - xlo) / (xhi - xlo) * (w - pad - 40)

        def sy(v: float) -> float:
            return 20 + h - pad + 10 - (math.log10(max(v, 1e-3)) - ylo) / (yhi - ylo) * (h - pad - 10)

        parts.append(f'<text x="{x0 + w / 2}" y="14" text-anchor="middle" font-weight="bold">'
                     f'{label} ({unit}) against people, log-log</text>')
        for e in range(xlo, xhi + 1):
            x = sx(10 ** e)
            parts.append(f'<line x1="{x}" y1="30" x2="{x}" y2="{sy(10 ** ylo)}" stroke="#ddd"/>')
            parts.append(f'<text x="{x}" y="{sy(10 ** ylo) + 14}" text-anchor="middle">1e{e}</text>')
        for e in range(ylo, yhi + 1):
            y = sy(10 ** e)
            parts.append(f'<line x1="{sx(10 ** xlo)}" y1="{y}" x2="{sx(10 ** xhi)}" y2="{y}" stroke="#ddd"/>')
            parts.append(f'<text x="{sx(10 ** xlo) - 4}" y="{y + 4}" text-anchor="end">{10 ** e:g}</text>')
        for tool, pts in series.items():
            coords = [(sx(t[0]), sy(t[idx])) for t in pts]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colors[tool]}" stroke-width="2"/>')
            for (x, y), t in zip(coords, pts):
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colors[tool]}"/>')
                parts.append(f'<text x="{x + 5:.1f}" y="{y - 5:.1f}" fill="{colors[tool]}">'
                             f'{t[idx]:.{1 if t[idx] < 10 else 0}f}</text>')
        if "toklon" in series:
            first = series["toklon"][0]
            n0, v0, n1 = first[0], first[idx], 10 ** xhi
            parts.append(f'<line x1="{sx(n0):.1f}" y1="{sy(v0):.1f}" x2="{sx(n1):.1f}" '
                         f'y2="{sy(v0 * n1 / n0):.1f}" stroke="#888" stroke-dasharray="4 3"/>')
    legend_y = h + 45
    for k, tool in enumerate(series):
        parts.append(f'<rect x="{30 + 130 * k}" y="{legend_y - 9}" width="12" height="4" fill="{colors[tool]}"/>')
        parts.append(f'<text x="{46 + 130 * k}" y="{legend_y - 4}">{tool}</text>')
    parts.append(f'<text x="{30 + 130 * len(series)}" y="{legend_y - 4}" fill="#666">'
                 '- - linear growth from the smallest toklon size</text>')
    parts.append("</svg>")
    with open(out, "w") as fh:
        fh.write("\n".join(parts) + "\n")


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
    elif cmd == "plot":
        plot(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
