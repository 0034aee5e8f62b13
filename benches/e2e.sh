#!/usr/bin/env bash
# End-to-end benchmark of `toklon run` on generated data.
#
#   benches/e2e.sh                      # 100k and 1M people, 3 runs each
#   benches/e2e.sh 100000 1000000 10000000   # any sizes; 10M and above run once
#
# Builds the release binary, generates each size once into benches/data/p<N>/
# (git-ignored; reused on later runs, same seed same bytes), runs the full job under
# /usr/bin/time -v, scores it with `toklon eval`, and rewrites the "e2e" section of
# benches/RESULTS.md: median wall time, per-phase medians (summary.json timings_ms),
# records read per second, peak RSS, candidate pairs per registry row, and
# precision/recall/F1 against the generator's truth.
#
# Environment: RUNS (default 3), SEED (42), THREADS (0 = all cores),
# AS_OF (2025-01-01, fixed so reruns compare), KEEP_DATA=0 to delete data after,
# NO_BUILD=1 to use the binary already in target/release, TOKLON_BIN=PATH for another,
# EVAL_UP_TO (10000000): larger sizes are timed but not scored (`toklon eval` holds
# the truth in memory, ~0.85 GB a million people), KEEP_OUTPUTS=1 to keep the
# outputs of sizes from 10M up (by default only their summary.json is kept: a
# 10M run writes ~3.3 GB).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
data="$here/data"
runs_default=${RUNS:-3}
seed=${SEED:-42}
eval_up_to=${EVAL_UP_TO:-10000000}
threads=${THREADS:-0}
as_of=${AS_OF:-2025-01-01}
results="$here/RESULTS.md"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 1000000)

if [ ! -x /usr/bin/time ]; then
  echo "e2e: installing GNU time (for peak memory)" >&2
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi

if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "e2e: building the release binary" >&2
  (cd "$root" && cargo build --release --quiet --bin toklon)
fi
bin="${TOKLON_BIN:-$root/target/release/toklon}"

mkdir -p "$data"
table=$(mktemp)
trap 'rm -f "$table"' EXIT
{
  echo "## toklon end to end"
  echo
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) by \`benches/e2e.sh ${sizes[*]}\`" \
       "(toklon $("$bin" --version | awk '{print $2}'), seed $seed, --as-of $as_of," \
       "threads ${threads} (0 = all))."
  python3 "$here/report.py" machine
  echo
  python3 "$here/report.py" e2e-header
} >"$table"

for n in "${sizes[@]}"; do
  dir="$data/p$n"
  if [ ! -f "$dir/truth/entities.parquet" ]; then
    echo "e2e: generating $n people into $dir" >&2
    rm -rf "$dir"
    "$bin" generate --people "$n" --seed "$seed" --out "$dir" --no-progress -q
  fi
  runs=$runs_default
  [ "$n" -ge 10000000 ] && runs=1
  rundirs=()
  for r in $(seq 1 "$runs"); do
    rd="$data/runs/toklon-p$n-r$r"
    rm -rf "$rd" && mkdir -p "$rd"
    echo "e2e: toklon run, $n people, run $r/$runs" >&2
    /usr/bin/time -v -o "$rd/time.txt" \
      "$bin" run "$dir" --out "$rd/out" --as-of "$as_of" --threads "$threads" \
      --no-progress -q >"$rd/stdout.txt"
    if [ "$n" -le "$eval_up_to" ]; then
      "$bin" eval --truth "$dir/truth" "$rd/out" --json "$rd/eval.json" >"$rd/eval.txt"
    fi
    if [ "$n" -ge 10000000 ] && [ "${KEEP_OUTPUTS:-0}" != 1 ]; then
      find "$rd/out" -mindepth 1 ! -name summary.json -delete
    fi
    echo "e2e:   $(python3 "$here/report.py" time "$rd/time.txt" | awk '{printf "%.1f s, %.0f MiB", $1, $2/1024}')" >&2
    rundirs+=("$rd")
  done
  python3 "$here/report.py" e2e "$n" "${rundirs[@]}" >>"$table"
  if [ "${KEEP_DATA:-1}" = 0 ]; then rm -rf "$dir"; fi
done

{
  echo
  echo "Phases are the medians of summary.json \`timings_ms\`; records/s counts every"
  echo "input row read (base, households, registries) over the median wall time; peak"
  echo "RSS is the median of /usr/bin/time's maximum resident set size; pairs per"
  echo "registry row are the distinct candidate pairs scored per registry row (all"
  echo "registries); precision/recall/F1 are \`toklon eval\` overall (sizes above"
  echo "$eval_up_to people are timed, not scored)."
} >>"$table"
python3 "$here/report.py" splice "$results" e2e "$table"
python3 "$here/report.py" plot "$data/runs" "$here/growth.svg"
echo "e2e: results in $results" >&2
