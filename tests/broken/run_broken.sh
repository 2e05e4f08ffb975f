#!/usr/bin/env bash
# run_broken.sh - run an MPI program under the hang watchdog, take the first snapshot
# it writes, and check what `mpisnap-inspect waits` says about it.
#
#   run_broken.sh [options] -- mpiexec -n N mpisnap-run --hang-timeout 2 -- PROG DIR
#     --inspect PATH       mpisnap-inspect to use (required)
#     --dir DIR            MPISNAP_DIR for the job (emptied first; required)
#     --prog PATH          the program's path (required). The program must be given DIR
#                          as its first argument: "PROG DIR" then names this job's
#                          processes alone (tests of one program may run at once);
#                          any left at the end is killed, and none may survive
#     --finishes           the program is correct: wait for it to exit 0 by itself
#                          (otherwise it hangs: stop it once a snapshot is complete)
#     --status N           `waits` must exit with N (0: no deadlock, 3: deadlock)
#     --json TEXT          `waits --json` must contain the line TEXT (e.g.
#                          '"deadlocked": [0, 1]'; lists are printed on one line)
#     --text TEXT          `waits` (text) must contain TEXT
#     --messages TEXT      `messages` must contain TEXT
#
# Fails (exit 1, saying why) when no complete snapshot appears within 30 s, the
# watchdog did not log, the snapshot is refused or inconsistent, an expectation is not
# met, or a process of the job survives.
set -u
inspect= dir= prog= finishes=0 status= jsons=() texts=() msgs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --inspect) inspect=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --prog) prog=$2; shift 2 ;;
    --finishes) finishes=1; shift ;;
    --status) status=$2; shift 2 ;;
    --json) jsons+=("$2"); shift 2 ;;
    --text) texts+=("$2"); shift 2 ;;
    --messages) msgs+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "run_broken.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$inspect" ] && [ -n "$dir" ] && [ -n "$prog" ] && [ $# -gt 0 ] ||
  { echo "run_broken.sh: --inspect, --dir, --prog and a command are required" >&2; exit 2; }

. "$(dirname "$0")/stop_job.sh"
fail() {
  echo "FAIL: $*" >&2
  stop_job
  for f in stderr waits.txt waits.json; do
    [ -s "$dir/$f" ] && { echo "--- $f" >&2; tail -n 40 "$dir/$f" >&2; }
  done
  exit 1
}
trap stop_job EXIT

rm -rf "$dir" && mkdir -p "$dir" || exit 2
export MPISNAP_DIR="$dir"
setsid timeout -s KILL 60 "$@" >"$dir/stdout" 2>"$dir/stderr" &
job=$!

# The first complete snapshot: files appear under their final name only when complete.
first_snapshot() {
  local f
  for f in "$dir"/snap-*.h5; do [ -e "$f" ] && { echo "$f"; return 0; }; done
  return 1
}
if [ $finishes -eq 1 ]; then
  wait "$job"
  rc=$?
  job=
  [ $rc -eq 0 ] || fail "the job exited with $rc (a correct program must finish)"
  snap=$(first_snapshot) || fail "the job finished without writing a snapshot"
else
  snap=
  for _ in $(seq 300); do
    snap=$(first_snapshot) && break
    kill -0 "$job" 2>/dev/null || fail "the job ended before any snapshot was written"
    sleep 0.1
  done
  [ -n "$snap" ] || fail "no complete snapshot within 30 s"
  # the ranks' log lines reach us through mpiexec, possibly after the file: wait for them
  for _ in $(seq 30); do grep -q "hang watchdog" "$dir/stderr" && break; sleep 0.1; done
  stop_job
fi
pgrep -f "^$prog $dir( |\$)" >/dev/null && fail "processes of $prog $dir survived"
grep -q "hang watchdog" "$dir/stderr" || fail "the hang watchdog did not report"
echo "snapshot: $snap ($(grep -m1 "hang watchdog" "$dir/stderr"))"

"$inspect" check "$snap" >"$dir/check.txt" 2>&1 || { cat "$dir/check.txt" >&2; fail "check failed"; }
"$inspect" waits "$snap" >"$dir/waits.txt" 2>&1
rc=$?
"$inspect" waits --json "$snap" >"$dir/waits.json" 2>&1
"$inspect" messages "$snap" >"$dir/messages.txt" 2>&1
cat "$dir/waits.txt"
[ -z "$status" ] || [ "$rc" -eq "$status" ] || fail "waits exited with $rc, expected $status"
for t in "${jsons[@]}"; do
  grep -qF -- "$t" "$dir/waits.json" || fail "waits --json lacks: $t"
done
for t in "${texts[@]}"; do
  grep -qF -- "$t" "$dir/waits.txt" || fail "waits lacks: $t"
done
for t in "${msgs[@]}"; do
  grep -qF -- "$t" "$dir/messages.txt" || { cat "$dir/messages.txt" >&2; fail "messages lacks: $t"; }
done
echo "as expected"
exit 0
