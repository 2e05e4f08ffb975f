#!/usr/bin/env bash
# kill_midsnap.sh RUNS INSPECT BANK BANK_PLAIN WORK -- MPIEXEC NPFLAG
# A rank killed (SIGKILL) at a random moment while snapshots are being taken, RUNS
# times: bank (4 ranks, restartable, a snapshot every 5 ms, MPISNAP_ALGO from the
# environment) is killed at a random time once a snapshot it can restart from is complete, then
# restarted with MPISNAP_RESTART=latest. Each time:
#  - every file under its final name passes `mpisnap-inspect check`: the snapshot being
#    written when the rank died was never marked complete (its .part, if any, is left);
#  - the restarted run takes the newest complete snapshot and ends with the balances of
#    the same plan run without mpisnap (bank-plain), every message checked by bank.
# The last line counts the runs whose kill left a snapshot half-written (a .part file).
set -u
runs=$1 inspect=$2 bank=$3 plain=$4 work=$5; shift 6
mpiexec=$1 npflag=$2
np=4
fail() { echo "FAIL: $*" >&2; exit 1; }
# long enough that a fast machine is still running at the kill (up to 0.5 s after the first
# restartable snapshot): the restart redoes what is left of it
args=(--transfers 20000 --seed 7 --safepoint-every 25 --quiet)
verdict() { grep -E '^(balances:|bank: total)' "$1"; }
rm -rf "$work" && mkdir -p "$work" || exit 2
"$mpiexec" "$npflag" "$np" "$plain" "${args[@]}" >"$work/ref.out" 2>&1 || fail "the reference run failed"
want=$(verdict "$work/ref.out")
echo "$want" | grep -q "OK$" || fail "no verdict in the reference run"
RANDOM=$((runs * 31 + 7))
killed=0 midway=0 attempts=0
while [ $killed -lt "$runs" ]; do
  attempts=$((attempts + 1))
  [ $attempts -le $((runs * 3)) ] || fail "$attempts attempts for $killed kills: the job ends before the kill"
  d=$work/run$killed
  rm -rf "$d" && mkdir -p "$d"
  MPISNAP_DIR=$d MPISNAP_INTERVAL=0.005 MPISNAP_SAFEPOINT_TIMEOUT=10 MPISNAP_LOG=warn \
    "$mpiexec" "$npflag" "$np" "$bank" "${args[@]}" >"$d/1.out" 2>&1 &
  job=$!
  # the first snapshot may be taken before rank 0's first safe point (not restartable)
  for _ in $(seq 600); do
    newest=$(ls "$d"/snap-*.h5 2>/dev/null | tail -n 1)
    [ -n "$newest" ] && "$inspect" summary "$newest" 2>/dev/null | grep -qE '^ +0\*? +[^ ]+ +safepoint ' && break
    kill -0 $job 2>/dev/null || break
    sleep 0.1
  done
  # a random moment: 0 to 0.5 s after the first restartable snapshot, a random rank
  sleep "0.$(printf %03d $((RANDOM % 500)))"
  ranks=($(pgrep -P $job -x "$(basename "$bank")"))
  if [ ${#ranks[@]} -ne $np ]; then
    wait $job
    continue # already ending: not a kill, try again
  fi
  victim=${ranks[$((RANDOM % np))]}
  kill -KILL "$victim"
  wait $job && fail "run $killed: the job survived the kill of a rank"
  ls "$d"/snap-*.h5 >/dev/null 2>&1 || fail "run $killed: no complete snapshot before the kill"
  for f in "$d"/snap-*.h5; do
    "$inspect" check "$f" >/dev/null 2>&1 || fail "run $killed: $f is visible under its final name but not consistent"
  done
  part=$(ls "$d"/*.part 2>/dev/null | wc -l)
  [ "$part" -gt 0 ] && midway=$((midway + 1))
  newest=$(ls "$d"/snap-*.h5 | tail -n 1)
  MPISNAP_DIR=$d MPISNAP_RESTART=latest MPISNAP_SAFEPOINT_TIMEOUT=10 MPISNAP_LOG=warn \
    "$mpiexec" "$npflag" "$np" "$bank" "${args[@]}" >"$d/2.out" 2>&1 </dev/null ||
    { tail -n 5 "$d/2.out" >&2; fail "run $killed: the restart failed"; }
  [ "$(verdict "$d/2.out")" = "$want" ] || { tail -n 5 "$d/2.out" >&2; fail "run $killed: the restarted run ends differently"; }
  echo "run $killed: rank pid $victim killed, $(ls "$d"/snap-*.h5 | wc -l) complete snapshots, $part half-written; restarted from $(basename "$newest"): same balances"
  killed=$((killed + 1))
  rm -rf "$d"
done
echo "$killed kills at random moments ($midway while a snapshot file was being written): every file consistent, every restart ended with the uninterrupted run's balances"
