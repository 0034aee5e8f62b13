#!/usr/bin/env bash
# toklon and Splink side by side on the same generated data.
#
#   benches/splink.sh                  # 100k people
#   benches/splink.sh 100000 1000000   # any sizes
#
# Creates benches/.venv (git-ignored) and installs benches/splink/requirements.txt
# (Splink 4 + DuckDB), generates each size into benches/data/p<N>/ when missing (as
# benches/e2e.sh does), runs `toklon run` and benches/splink/run_splink.py on it under
# /usr/bin/time -v, scores both with `toklon eval` (run_splink.py writes links in the
# shape of toklon's links.parquet), and rewrites the "splink" section of
# benches/RESULTS.md with time, peak memory, precision, recall, F1 and the ratios.
# The Splink configuration is described in benches/README.md.
#
# Splink runs once per value of SPLINK_U_PAIRS (default "1e7 1e8"): the random pairs
# it samples to estimate u. Its documentation calls 1e7 "often adequate whilst
# testing different model specifications" and warns below 1e8 for the model a user
# keeps; both are reported (benches/README.md).
#
# Environment: SEED (42), THREADS (0 = all cores; DuckDB uses all cores), AS_OF
# (2025-01-01), NO_BUILD=1 to use the binary already in target/release, TOKLON_BIN=PATH for another,
# SPLINK_U_PAIRS (above), SPLINK_ARGS (other arguments for run_splink.py), TOKLON_RUNS (3:
# toklon's figures are those of its median run; Splink runs once per setting).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
data="$here/data"
seed=${SEED:-42}
threads=${THREADS:-0}
toklon_runs=${TOKLON_RUNS:-3}
read -r -a u_pairs <<<"${SPLINK_U_PAIRS:-1e7 1e8}"
as_of=${AS_OF:-2025-01-01}
results="$here/RESULTS.md"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000)

if [ ! -x /usr/bin/time ]; then
  echo "splink.sh: installing GNU time (for peak memory)" >&2
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi

venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  echo "splink.sh: creating $venv" >&2
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/splink/requirements.txt"
py="$venv/bin/python"

if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "splink.sh: building the release binary" >&2
  (cd "$root" && cargo build --release --quiet --bin toklon)
fi
bin="${TOKLON_BIN:-$root/target/release/toklon}"

# Wall seconds, peak RSS (KiB), precision, recall, F1 of one run directory.
figures() {
  local rd=$1
  read -r wall rss < <(python3 "$here/report.py" time "$rd/time.txt")
  python3 - "$rd/eval.json" "$wall" "$rss" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))["overall"]
print(sys.argv[2], sys.argv[3], o["precision"], o["recall"], o["f1"])
EOF
}

table=$(mktemp)
trap 'rm -f "$table"' EXIT
{
  echo "## toklon and Splink side by side"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) by \`benches/splink.sh ${sizes[*]}\`" \
       "(toklon $("$bin" --version | awk '{print $2}'), $("$py" -c 'import splink, duckdb; print(f"splink {splink.__version__}, duckdb {duckdb.__version__}")'), seed $seed);" \
       "toklon: the median of $toklon_runs runs; Splink: one run per size and setting."
  python3 "$here/report.py" machine
  echo
  echo "| people | registry rows | tool | wall s | peak RSS MiB | precision | recall | F1 |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$table"
ratios=""

mkdir -p "$data"
for n in "${sizes[@]}"; do
  dir="$data/p$n"
  if [ ! -f "$dir/truth/entities.parquet" ]; then
    echo "splink.sh: generating $n people into $dir" >&2
    rm -rf "$dir"
    "$bin" generate --people "$n" --seed "$seed" --out "$dir" --no-progress -q
  fi
  reg_rows=$("$py" -c "import duckdb,sys; print(duckdb.sql(\"select count(*) from read_parquet('$dir/registries/*.parquet')\").fetchall()[0][0])")

  t="$data/runs/cmp-toklon-p$n"
  rm -rf "$t" && mkdir -p "$t"
  # toklon runs in seconds, so it runs TOKLON_RUNS times and the run with the
  # median wall time stands for it (its outputs are the same every run).
  for r in $(seq 1 "$toklon_runs"); do
    echo "splink.sh: toklon, $n people, run $r/$toklon_runs" >&2
    /usr/bin/time -v -o "$t/time-$r.txt" \
      "$bin" run "$dir" --out "$t/out" --as-of "$as_of" --threads "$threads" \
      --no-progress -q >"$t/stdout.txt"
  done
  median=$(for r in $(seq 1 "$toklon_runs"); do
             echo "$(python3 "$here/report.py" time "$t/time-$r.txt" | awk '{print $1}') $r"
           done | sort -n | awk -v m=$(( (toklon_runs + 1) / 2 )) 'NR == m {print $2}')
  cp "$t/time-$median.txt" "$t/time.txt"
  "$bin" eval --truth "$dir/truth" "$t/out" --json "$t/eval.json" >"$t/eval.txt"

  read -r tw tr tp trc tf < <(figures "$t")
  python3 - "$n" "$reg_rows" toklon "$tw" "$tr" "$tp" "$trc" "$tf" >>"$table" <<'EOF'
import sys
n, reg, tool, w, r, p, rc, f = sys.argv[1:]
print(f"| {int(n):,} | {int(reg):,} | {tool} | {float(w):.1f} | {int(r) / 1024:,.0f} "
      f"| {float(p):.5f} | {float(rc):.5f} | {float(f):.5f} |")
EOF
  for u in "${u_pairs[@]}"; do
    s="$data/runs/cmp-splink-u$u-p$n"
    rm -rf "$s" && mkdir -p "$s"
    echo "splink.sh: splink (u from $u pairs), $n people (minutes; its log is in $s/log.txt)" >&2
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$s/time.txt" \
      "$py" "$here/splink/run_splink.py" "$dir" "$s/out" --seed "$seed" --u-pairs "$u" \
      ${SPLINK_ARGS:-} >"$s/log.txt" 2>&1
    "$bin" eval --truth "$dir/truth" "$s/out" --json "$s/eval.json" >"$s/eval.txt"
    read -r sw sr sp src sf < <(figures "$s")
    python3 - "$n" "$reg_rows" "$u" "$tw" "$tr" "$tf" "$sw" "$sr" "$sp" "$src" "$sf" >>"$table" <<'EOF'
import sys
n, reg, u, tw, tr, tf, sw, sr, sp, src, sf = sys.argv[1:]
print(f"| {int(n):,} | {int(reg):,} | Splink, u from {u} pairs | {float(sw):.1f} "
      f"| {int(sr) / 1024:,.0f} | {float(sp):.5f} | {float(src):.5f} | {float(sf):.5f} |")
print(f"| {int(n):,} | | **Splink ({u}) / toklon** | **{float(sw) / float(tw):.1f}x** "
      f"| **{int(sr) / int(tr):.1f}x** | | | F1 {float(tf) - float(sf):+.5f} (toklon - Splink) |")
EOF
    stimes=$(python3 -c "import json; print(json.load(open('$s/out/summary.json'))['timings_ms'])")
    ratios+="- $n people, Splink (u from $u pairs) phases (ms): $stimes"$'\n'
  done
done

{
  echo
  echo "Wall time and peak RSS from /usr/bin/time -v (the whole process: Python start,"
  echo "reading and cleaning in DuckDB, training, prediction, writing links). Both"
  echo "tools are scored by the same \`toklon eval\` against the generator's truth."
  echo
  printf '%s' "$ratios"
} >>"$table"
python3 "$here/report.py" splice "$results" splink "$table"
python3 "$here/report.py" plot "$data/runs" "$here/growth.svg"
echo "splink.sh: results in $results" >&2
