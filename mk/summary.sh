#!/bin/sh
# Adds up what every suite recorded in build/results/*.counts
# ("passed failed" per line) and prints the closing line.
set -eu
dir=$1
passed=0; failed=0
for f in "$dir"/*.counts; do
    [ -e "$f" ] || continue
    while read -r p fl; do
        passed=$((passed + p)); failed=$((failed + fl))
        echo "  $(basename "$f" .counts): $p passed, $fl failed"
    done < "$f"
done
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
