#!/usr/bin/env bash
# Runs every tests/stack/test_*.sh against one build variant's binaries and
# records the counts for mk/summary.sh.
set -u
build=$1; variant=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
export MEMETER_BIN="$root/$build/bin"
export T_COUNTS="$root/build/results/stack-$variant.counts"
mkdir -p "$root/build/results"
: > "$T_COUNTS"
failed_scripts=0
for t in "$root"/tests/stack/test_*.sh; do
    [ -e "$t" ] || continue
    echo "== stack ($variant): $(basename "$t")"
    before=$(wc -l < "$T_COUNTS")
    if ! bash "$t"; then
        failed_scripts=$((failed_scripts + 1))
        # A script that died before counting still counts as a failure.
        [ "$(wc -l < "$T_COUNTS")" -gt "$before" ] || echo "0 1" >> "$T_COUNTS"
    fi
done
read -r p f < <(awk '{p+=$1; f+=$2} END {print p+0, f+0}' "$T_COUNTS")
echo "stack ($variant): $p passed, $f failed"
echo "$p $f" > "$T_COUNTS.total" && mv "$T_COUNTS.total" "$T_COUNTS"
[ "$failed_scripts" -eq 0 ]
