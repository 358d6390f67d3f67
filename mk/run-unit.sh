#!/bin/sh
# Runs every cmocka unit test binary of one build variant and records the
# counts for mk/summary.sh.
set -u
build=$1; variant=$2
mkdir -p build/results
passed=0; failed=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$("$t" 2>&1); rc=$?
    echo "$out"
    n=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    passed=$((passed + ${n:-0})); failed=$((failed + ${f:-0}))
    if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); fi
done
echo "$passed $failed" > "build/results/unit-$variant.counts"
echo "unit ($variant): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
