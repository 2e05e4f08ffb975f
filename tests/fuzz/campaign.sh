#!/usr/bin/env bash
# campaign.sh - run one fuzz target (libFuzzer, ASan + UBSan) on the seed corpus.
#
#   campaign.sh --target PATH --seeds DIR --work DIR (--runs N | --seconds S) [--jobs J]
#
# The corpus grows in WORK/corpus (seeded from SEEDS); a crash, sanitizer report or
# finding of the target (an HDF5 object left open, a refusal that is not one line)
# leaves its input in WORK/artifacts and fails the run. Leaks: HDF5 leaks on many
# damaged files (lsan.supp), and each such run would cost a scan of the whole heap, so
# the fuzzing runs without the per-input leak check and every input of the final
# corpus is then run once more with it. The last line sums it up:
#   fuzz_check: 1000000 executions, 0 crashes, coverage 341 edges (ft 903), corpus 210 files, 2400 s
# Long campaigns: run under nice (docs/HARDENING.md has the command and the figures).
set -u
target= seeds= work= runs= seconds= jobs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "campaign.sh: unknown option $1 (see campaign.sh --help)" >&2; exit 2 ;;
  esac
done
[ -x "$target" ] && [ -d "$seeds" ] && [ -n "$work" ] && [ -n "$runs$seconds" ] ||
  { echo "campaign.sh: --target (an executable), --seeds (a folder), --work and --runs or --seconds are needed" >&2; exit 2; }
ls "$seeds"/*.h5 >/dev/null 2>&1 || { echo "campaign.sh: no seed snapshots (*.h5) in $seeds" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
target=$(cd "$(dirname "$target")" && pwd)/$(basename "$target")
name=$(basename "$target")
mkdir -p "$work/corpus" "$work/artifacts" || exit 2
# absolute: with --jobs the workers run in WORK
work=$(cd "$work" && pwd) seeds=$(cd "$seeds" && pwd)
# a huge allocation HDF5 asks for on a damaged file fails as malloc would (NULL), it is
# not a finding; leaks inside HDF5 itself are suppressed (lsan.supp says which)
export ASAN_OPTIONS=allocator_may_return_null=1:detect_stack_use_after_return=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$here/lsan.supp
limit=(-runs="${runs:-0}")
[ -n "$seconds" ] && limit=(-max_total_time="$seconds")
[ -n "$runs" ] && [ "$jobs" -gt 1 ] && limit=(-runs=$((runs / jobs)))
start=$(date +%s)
log=$work/fuzz.log
if [ "$jobs" -gt 1 ]; then
  (cd "$work" && "$target" "${limit[@]}" -detect_leaks=0 -jobs="$jobs" -workers="$jobs" -timeout=120 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds") >"$log" 2>&1
  # the workers' logs (fuzz-N.log) hold their figures; the parent's repeats their ends
  log=$work/workers.log
  cat "$work"/fuzz-*.log >"$log" 2>/dev/null
else
  "$target" "${limit[@]}" -detect_leaks=0 -timeout=120 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    "$work/corpus" "$seeds" >"$log" 2>&1
fi
rc=$?
# the leak check, input by input, over the corpus (seeds included)
if [ $rc -eq 0 ]; then
  "$target" -runs=0 -detect_leaks=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds" >"$work/leaks.log" 2>&1
  rc=$?
  cat "$work/leaks.log" >>"$log"
fi
secs=$(($(date +%s) - start))
execs=$(grep -h '^stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')
cov=$(grep -hoE 'cov: [0-9]+ ft: [0-9]+' "$log" | awk '{if ($2 > c) c = $2; if ($4 > f) f = $4} END {print c + 0, f + 0}')
crashes=$(find "$work/artifacts" -type f | wc -l)
corpus=$(find "$work/corpus" -type f | wc -l)
set -- $cov
echo "$name: $execs executions, $crashes crashes, coverage $1 edges (ft $2), corpus $corpus files, $secs s"
if [ $rc -ne 0 ] || [ "$crashes" -gt 0 ]; then
  grep -E -m 5 -A 20 'ERROR|fuzz_snapshot:|runtime error' "$log" >&2
  echo "FAIL: $name found a problem (exit $rc); inputs in $work/artifacts, log $log" >&2
  exit 1
fi
[ -z "$runs" ] || [ "$execs" -ge "$runs" ] || { echo "FAIL: $execs executions, fewer than $runs" >&2; exit 1; }
exit 0
