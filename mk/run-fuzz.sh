#!/bin/sh
# Builds and runs the libFuzzer harnesses of tests/fuzz/ (clang, with
# ASan and UBSan) into build/fuzz/, apart from gcc's build/<variant>/.
#
#   sh mk/run-fuzz.sh build           build every harness
#   sh mk/run-fuzz.sh fuzz SECONDS    each harness for SECONDS (make fuzz)
#   sh mk/run-fuzz.sh test SECONDS    each over its seed corpus, then a
#                                     burst of SECONDS; records the counts
#                                     in build/results/fuzz.counts
#
# FUZZ_TARGETS="multipart cookie" limits the run to those harnesses.
# Each harness names its sources in a "fuzz-sources:" line and extra
# libraries in a "fuzz-libs:" line; nothing else here knows about them.
# A crash (or a broken invariant) fails the run and leaves the input as
# build/fuzz/<target>-crash-<sha1> (or -leak-, -timeout-, -oom-); replay
# it with  build/fuzz/fuzz_<target> build/fuzz/<target>-crash-<sha1>
set -u

mode=${1:-build}
secs=${2:-180}
out=build/fuzz
CLANG=${CLANG:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=c11 -D_GNU_SOURCE -I. -Ishared -g -O1 -fno-omit-frame-pointer \
-Wall -Wextra $SAN"

targets=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz_*.c; do
    basename "$f" .c | sed 's/^fuzz_//'; done)}

# The value of "key:" in a harness's header comment.
field() {
    sed -n "s/^ \* $2: *//p" "tests/fuzz/fuzz_$1.c" | head -1
}

# Compiles src into $out/obj/ unless the object is newer than it and
# every header it included last time.
compile() {
    src=$1; extra=$2
    obj=$out/obj/${src%.c}.o
    if [ -f "$obj" ] && [ -f "${obj%.o}.d" ]; then
        stale=0
        for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "${obj%.o}.d"); do
            [ "$dep" -nt "$obj" ] && { stale=1; break; }
        done
        [ $stale -eq 0 ] && return 0
    fi
    mkdir -p "$(dirname "$obj")"
    # shellcheck disable=SC2086
    $CLANG $CFLAGS $extra -MMD -MF "${obj%.o}.d" -c -o "$obj" "$src"
}

build_one() {
    t=$1; objs=""
    for src in $(field "$t" fuzz-sources); do
        compile "$src" -fsanitize=fuzzer-no-link || return 1
        objs="$objs $out/obj/${src%.c}.o"
    done
    compile "tests/fuzz/fuzz_$t.c" "-Werror -fsanitize=fuzzer-no-link" ||
        return 1
    # shellcheck disable=SC2086
    $CLANG $SAN -fsanitize=fuzzer -o "$out/fuzz_$t" \
        "$out/obj/tests/fuzz/fuzz_$t.o" $objs $(field "$t" fuzz-libs)
}

build_all() {
    command -v "$CLANG" >/dev/null 2>&1 ||
        { echo "fuzz: no $CLANG (make deps installs clang)"; return 1; }
    mkdir -p "$out"
    for t in $targets; do
        build_one "$t" || { echo "fuzz: building $t failed"; return 1; }
    done
}

# stat value from libFuzzer's -print_final_stats output in file log.
stat() {
    sed -n "s/^stat::$2: *//p" "$1" | tail -1
}

# Runs harness t for secs seconds over its working corpus (grown from the
# seeds, kept in build/fuzz/corpus/); 0 if it found nothing.
fuzz_one() {
    t=$1; secs=$2; log=$out/fuzz_$t.log
    seeds=tests/fuzz/corpus/$t
    mkdir -p "$out/corpus/$t"
    dict=""; [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    # shellcheck disable=SC2086
    "$out/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=1024 -max_len=16384 $dict \
        -artifact_prefix="$out/$t-" "$out/corpus/$t" "$seeds" \
        >"$log" 2>&1
    rc=$?
    execs=$(stat "$log" number_of_executed_units)
    rate=$(stat "$log" average_exec_per_sec)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' "$log" | tail -1)
    corp=$(ls "$out/corpus/$t" | wc -l)
    if [ $rc -eq 0 ]; then
        echo "fuzz $t: ${execs:-?} execs in ${secs}s (${rate:-?}/s)," \
            "cov ${cov:-?}, corpus $corp, nothing found"
        return 0
    fi
    echo "fuzz $t: FAILED after ${execs:-?} execs (exit $rc); log $log"
    grep -E "ERROR: |invariant failed|SUMMARY|Test unit written" "$log" |
        head -8 | sed 's/^/    /'
    return 1
}

# Replays every seed once; 0 if none crashes.
replay_one() {
    t=$1; log=$out/replay_$t.log
    n=$(ls "tests/fuzz/corpus/$t" 2>/dev/null | wc -l)
    [ "$n" -gt 0 ] || { echo "fuzz $t: no seed corpus"; return 1; }
    if "$out/fuzz_$t" -runs=0 "tests/fuzz/corpus/$t" >"$log" 2>&1; then
        echo "fuzz $t: $n seeds replayed"
        return 0
    fi
    echo "fuzz $t: FAILED replaying the seeds; log $log"
    grep -E "ERROR: |invariant failed|SUMMARY" "$log" | head -8 |
        sed 's/^/    /'
    return 1
}

case $mode in
build)
    build_all
    ;;
fuzz)
    build_all || exit 1
    status=0
    for t in $targets; do fuzz_one "$t" "$secs" || status=1; done
    exit $status
    ;;
test)
    mkdir -p build/results
    passed=0; failed=0
    if build_all; then
        for t in $targets; do
            if replay_one "$t"; then passed=$((passed + 1));
            else failed=$((failed + 1)); fi
            if fuzz_one "$t" "$secs"; then passed=$((passed + 1));
            else failed=$((failed + 1)); fi
        done
    else
        failed=1
    fi
    echo "$passed $failed" > build/results/fuzz.counts
    echo "fuzz: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    ;;
*)
    echo "usage: $0 build | fuzz SECONDS | test SECONDS" >&2
    exit 2
    ;;
esac
