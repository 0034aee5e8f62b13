#!/usr/bin/env bash
# Do two toklon binaries write the same outputs? Runs both on the same inputs and
# compares every output file byte for byte. `summary.json` may differ only in
# `timings_ms` and `schema_version`, `manifest.json` only in `started`, `ended` and
# `toklon_version`; everything else must be identical.
#
#   scripts/same-outputs.sh BEFORE_BIN AFTER_BIN [INPUT...]
#
# INPUT defaults to fixtures/demo; each input is run with the default options and
# with `--mask-ids --thai-headers`. Used to show that a refactor changed no output:
#   git stash; cargo build --release; cp target/release/toklon /tmp/before; git stash pop
#   cargo build --release; scripts/same-outputs.sh /tmp/before target/release/toklon \
#     fixtures/demo data/100k      # data/100k: toklon generate --people 100000 --seed 11
set -euo pipefail
before=$1 after=$2
shift 2
inputs=("$@")
[ ${#inputs[@]} -gt 0 ] || inputs=("$(dirname "$0")/../fixtures/demo")
as_of=${AS_OF:-2025-01-01}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# summary.json / manifest.json without the fields allowed to differ.
normalize() {
  python3 - "$1" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in ("timings_ms", "schema_version", "started", "ended", "toklon_version"):
    v.pop(k, None)
print(json.dumps(v, sort_keys=True, indent=1))
PY
}

k=0
for input in "${inputs[@]}"; do
  for flags in "" "--mask-ids --thai-headers"; do
    k=$((k + 1))
    for side in before after; do
      bin=${!side}
      # shellcheck disable=SC2086
      "$bin" run "$input" --as-of "$as_of" --out "$work/$k-$side" --no-progress -q $flags \
        || { echo "same-outputs: $side failed on $input $flags"; exit 2; }
    done
    a=$work/$k-before b=$work/$k-after
    files=$( (cd "$a" && find . -type f; cd "$b" && find . -type f) | sort -u)
    same=0
    for f in $files; do
      if [ ! -f "$a/$f" ] || [ ! -f "$b/$f" ]; then
        echo "DIFFERENT $input ${flags:-(default)}: $f exists on one side only"; status=1; continue
      fi
      case $(basename "$f") in
        summary.json|manifest.json)
          if ! diff -q <(normalize "$a/$f") <(normalize "$b/$f") >/dev/null; then
            echo "DIFFERENT $input ${flags:-(default)}: $f"; diff <(normalize "$a/$f") <(normalize "$b/$f") | head -20
            status=1; continue
          fi ;;
        *)
          if ! cmp -s "$a/$f" "$b/$f"; then
            echo "DIFFERENT $input ${flags:-(default)}: $f"; status=1; continue
          fi ;;
      esac
      same=$((same + 1))
    done
    echo "same-outputs: $input ${flags:-(default)}: $same files identical"
  done
done
exit $status
