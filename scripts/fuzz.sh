#!/usr/bin/env bash
# Fuzzing campaign of nonsmooth (issue 12, "Keep it closed"): the long version of
# what CI runs in a few minutes. Three phases, each case run so that a segfault,
# abort or hang is counted instead of ending the campaign:
#
#   1. atheris  — scripts/fuzz_native.py, a coverage-guided harness over every
#                 native entry point (through the public API, and direct calls of
#                 the extension with wrong types/shapes/strides). libFuzzer runs in
#                 a restart loop: a crash or hang (-timeout) writes the input to
#                 $OUT/crashes/{crash,timeout,oom}-<sha> and the next batch starts
#                 with a new seed. Contract violations that do not kill the process
#                 (an exception of the wrong type, a NaN without a warning) are
#                 written to $OUT/findings/.
#   2. memory   — tests_py/test_memory_native.py with the issue's full 10^5 calls
#                 per native entry point (CI runs 2 000–40 000; the full count takes
#                 ≈ 30 minutes on a loaded 2-core machine).
#   3. hypothesis — every tests_py/test_properties_*.py file with the "fuzz"
#                 profile (NS_HYPOTHESIS_PROFILE=fuzz: NS_FUZZ_EXAMPLES examples
#                 per test, random seeds), one pytest process per file and seed,
#                 so a crash loses one batch; each file gets an equal slice of the
#                 time left in a round, and a test running over 10 minutes is a
#                 hang (faulthandler's dump). The seed is in the log name
#                 ($OUT/hypothesis/<file>-<seed>.log): replay with
#                 `NS_HYPOTHESIS_PROFILE=fuzz pytest FILE --hypothesis-seed=SEED`.
#
# Usage (from anywhere; takes the package from python/ built in place):
#
#   FUZZ_SECONDS=3600 nice bash scripts/fuzz.sh          # one hour, output in fuzz-out/
#   FUZZ_OUT=/tmp/fz FUZZ_SECONDS=600 bash scripts/fuzz.sh
#
# Environment: FUZZ_SECONDS (total, default 3600), FUZZ_OUT (default fuzz-out),
# FUZZ_PHASES (default "atheris memory hypothesis"; a subset runs only those),
# FUZZ_ATHERIS_SHARE (percent of the time for phase 1, default 45),
# NS_FUZZ_EXAMPLES (hypothesis examples per test, default 200; CI runs 20),
# NS_FUZZ_KNOWN=1 (also generate inputs known to crash: issue 12 item 7),
# PYTHON (default python3). The code under test is copied to $OUT/snapshot first,
# so editing the worktree during a campaign does not change what it runs.
# At the end $OUT/summary.txt gives cases run, crashes, hangs and findings.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python3}"
TOTAL="${FUZZ_SECONDS:-3600}"
OUT="$(mkdir -p "${FUZZ_OUT:-fuzz-out}" && cd "${FUZZ_OUT:-fuzz-out}" && pwd)"
SHARE="${FUZZ_ATHERIS_SHARE:-45}"
export NS_FUZZ_EXAMPLES="${NS_FUZZ_EXAMPLES:-200}"
PHASES=" ${FUZZ_PHASES:-atheris memory hypothesis} "
START=$(date +%s)
END=$((START + TOTAL))
mkdir -p "$OUT/crashes" "$OUT/findings" "$OUT/corpus" "$OUT/logs" "$OUT/hypothesis"

SNAP="$OUT/snapshot"
rm -rf "$SNAP" && mkdir -p "$SNAP"
cp -r "$ROOT/python" "$ROOT/tests_py" "$ROOT/scripts" "$SNAP/"
export PYTHONPATH="$SNAP/python"
export NS_FUZZ_FINDINGS="$OUT/findings"
cd "$SNAP"
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/campaign.log"; }
log "campaign of ${TOTAL}s into $OUT (commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"

# ---- 1. atheris ----------------------------------------------------------------------------
ATHERIS_END=$((START + TOTAL * SHARE / 100))
[[ "$PHASES" == *" atheris "* ]] || ATHERIS_END=$START
if [ -z "$(ls -A "$OUT/corpus")" ]; then  # seed corpus: random inputs of every length
    "$PY" -c "import os, sys; [open(os.path.join(sys.argv[1], f'seed{i}'), 'wb').write(os.urandom(32 + 3 * i)) for i in range(300)]" "$OUT/corpus"
fi
ATHERIS_RUNS=0; BATCH=0
while [ "$(date +%s)" -lt "$ATHERIS_END" ]; do
    LEFT=$((ATHERIS_END - $(date +%s)))
    [ "$LEFT" -lt 5 ] && break
    BATCH=$((BATCH + 1))
    BLOG="$OUT/logs/atheris-$BATCH.log"
    timeout -k 10 $((LEFT + 120)) "$PY" scripts/fuzz_native.py -seed=$((START + BATCH)) -max_total_time="$LEFT" \
        -timeout=60 -rss_limit_mb=4096 -max_len=1024 -len_control=0 -print_final_stats=1 \
        -artifact_prefix="$OUT/crashes/" "$OUT/corpus" >"$BLOG" 2>&1
    RC=$?
    RUNS=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$BLOG" | grep -Eo '[0-9]+$' | tail -1)
    [ -z "$RUNS" ] && RUNS=$(grep -Eo '^#[0-9]+' "$BLOG" | tail -1 | tr -d '#')
    ATHERIS_RUNS=$((ATHERIS_RUNS + ${RUNS:-0}))
    log "atheris batch $BATCH: rc=$RC, ${RUNS:-0} inputs"
done

# ---- 2. memory, the issue's full count -------------------------------------------------------
MEM_LOG="$OUT/logs/memory.log"
if [[ "$PHASES" == *" memory "* ]]; then
    NS_MEMORY_CALLS=100000 timeout -k 10 3600 "$PY" -m pytest tests_py/test_memory_native.py -q -p no:cacheprovider \
        -rxXs --durations=0 >"$MEM_LOG" 2>&1
    log "memory (10^5 calls per entry point): rc=$? $(tail -1 "$MEM_LOG")"
else
    echo "(not run)" >"$MEM_LOG"
fi

# ---- 3. hypothesis, many examples ----------------------------------------------------------------
cp -r "$ROOT/tests_py" "$SNAP/tests_hypothesis"  # the suite as it is now (see the header)
HYP_EXAMPLES=0; HYP_CRASHES=0; HYP_HANGS=0; HYP_FAILS=0; HYP_CUT=0; ROUND=0
FILES=("$SNAP"/tests_hypothesis/test_properties_*.py)
[[ "$PHASES" == *" hypothesis "* ]] || END=$(date +%s)
while [ "$(date +%s)" -lt "$((END - 30))" ]; do
    ROUND=$((ROUND + 1))
    for I in "${!FILES[@]}"; do
        FILE="${FILES[$I]}"
        LEFT=$((END - $(date +%s)))
        [ "$LEFT" -lt 30 ] && break
        SLICE=$((LEFT / (${#FILES[@]} - I)))
        [ "$SLICE" -lt 120 ] && SLICE=$((LEFT < 120 ? LEFT : 120))
        SEED=$((START + ROUND * 1000 + RANDOM))
        HLOG="$OUT/hypothesis/$(basename "$FILE" .py)-$SEED.log"
        # SIGINT at the end of the slice: pytest stops and still prints the statistics of the tests it ran.
        NS_HYPOTHESIS_PROFILE=fuzz timeout -s INT -k 30 "$SLICE" "$PY" -X faulthandler -m pytest "$FILE" -q -p no:cacheprovider \
            -o faulthandler_timeout=600 --hypothesis-seed="$SEED" --hypothesis-show-statistics -rfE >"$HLOG" 2>&1
        RC=$?
        N=$(grep -Eo '[0-9]+ passing, [0-9]+ failing' "$HLOG" | awk '{s += $1 + $3} END {print s + 0}')
        HYP_EXAMPLES=$((HYP_EXAMPLES + N))
        if grep -q "^Timeout (" "$HLOG"; then HYP_HANGS=$((HYP_HANGS + 1)); cp "$HLOG" "$OUT/crashes/"; fi
        if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ] || { [ "$RC" -eq 2 ] && grep -q KeyboardInterrupt "$HLOG"; }; then
            HYP_CUT=$((HYP_CUT + 1))  # its time slice ended
        elif [ "$RC" -gt 128 ]; then HYP_CRASHES=$((HYP_CRASHES + 1)); cp "$HLOG" "$OUT/crashes/"
        elif [ "$RC" -ne 0 ]; then HYP_FAILS=$((HYP_FAILS + 1)); cp "$HLOG" "$OUT/findings/"; fi  # failures, errors
        log "hypothesis $(basename "$FILE") seed $SEED: rc=$RC, $N examples (slice ${SLICE}s) $(tail -1 "$HLOG")"
    done
done

# ---- summary ---------------------------------------------------------------------------------
CRASHES=$(find "$OUT/crashes" -name 'crash-*' | wc -l)
HANGS=$(find "$OUT/crashes" -name 'timeout-*' | wc -l)
OOMS=$(find "$OUT/crashes" -name 'oom-*' | wc -l)
FINDINGS=$(find "$OUT/findings" -name '*.txt' | wc -l)
{
    echo "nonsmooth fuzzing campaign, $(date -u +%Y-%m-%dT%H:%MZ), $(( $(date +%s) - START ))s"
    echo "atheris: $ATHERIS_RUNS inputs in $BATCH batches; crashes $CRASHES, hangs $HANGS, out-of-memory $OOMS"
    echo "atheris findings (non-fatal contract violations, deduplicated): $FINDINGS"
    find "$OUT/findings" -name '*.txt' -printf '    %f\n' | sort
    echo "memory: $(tail -1 "$MEM_LOG")"
    echo "hypothesis: $HYP_EXAMPLES examples in $ROUND rounds ($HYP_CUT batches stopped by their time slice; the"
    echo "    test running then is not counted); crashes $HYP_CRASHES, hangs $HYP_HANGS, failing batches $HYP_FAILS"
} | tee "$OUT/summary.txt"
