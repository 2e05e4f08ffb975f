#!/usr/bin/env bash
# restart_bank.sh INSPECT BANK BANK_PLAIN RUN WORKDIR -- MPIEXEC NPFLAG
# Restart bank (restartable mode, MPISNAP_ALGO from the environment) after crashes:
#  - kill one rank (SIGKILL) at several transfers, restart from the newest snapshot: the
#    run completes every transfer, every received message is checked against the plan by
#    bank itself (none lost, none twice, MPI's order kept), and the final balances are
#    those of the same plan run without mpisnap (bank-plain);
#  - every snapshot written, before and after a restart, passes `mpisnap-inspect check`
#    (per-channel counts and conservation of the money), and at least one snapshot
#    restarted from had messages in transit, so replaying them is exercised;
#  - a restarted run is crashed and restarted again; mpisnap-run --restart FILE works;
#  - snapshots every millisecond, so that some are asked for before a rank's first safe
#    point (ranks in safe-point mode and ranks not yet), in a fresh run and in a
#    restarted one (before the state is restored): no hang, every file consistent.
set -u
inspect=$1 bank=$2 plain=$3 runner=$4 work=$5; shift 6
mpiexec=$1 npflag=$2
np=4
fail() { echo "FAIL: $*"; exit 1; }
args=(--transfers 2400 --seed 21 --safepoint-every 40 --quiet)
run() { # dir extra-env... -- extra args
  local dir=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  timeout 120 env MPISNAP_DIR="$dir" MPISNAP_SAFEPOINT_TIMEOUT=10 MPISNAP_LOG=warn "${envs[@]}" \
    "$mpiexec" "$npflag" "$np" "$bank" "${args[@]}" "$@"
}
verdict() { grep -E '^(balances:|bank: total)' "$1"; }
checked() { # every snapshot in dir passes check; prints the newest one's in-transit count
  local f
  for f in "$1"/snap-*.h5; do "$inspect" check "$f" >/dev/null || fail "$f is not consistent"; done
}
in_transit() { "$inspect" messages "$1" | head -n 1 | awk '{ print $2 }'; }
rm -rf "$work" && mkdir -p "$work"

"$mpiexec" "$npflag" "$np" "$plain" "${args[@]}" >"$work/ref.out" 2>&1 || fail "the reference run failed"
want=$(verdict "$work/ref.out")
echo "$want" | grep -q "OK$" || fail "no verdict in the reference run"

moved=0
for crash in 500 1300 2100; do
  d=$work/crash$crash
  run "$d" -- --request-every 120 --crash-at $crash >"$d.1.out" 2>&1 && fail "the run meant to crash at $crash did not"
  ls "$d"/snap-*.h5 >/dev/null 2>&1 || fail "crash at $crash: no snapshot written"
  checked "$d"
  newest=$(ls "$d"/snap-*.h5 | tail -n 1)
  n=$(in_transit "$newest")
  [ "$n" -gt 0 ] && moved=$((moved + 1))
  run "$d" MPISNAP_RESTART=latest -- --request-every 120 >"$d.2.out" 2>&1 ||
    { tail -n 5 "$d.2.out"; fail "restart after crash at $crash failed"; }
  [ "$(verdict "$d.2.out")" = "$want" ] || { cat "$d.2.out"; fail "crash at $crash: the restarted run ends differently"; }
  after=$(ls "$d"/snap-*.h5 | tail -n 1)
  [ "$after" \> "$newest" ] || fail "crash at $crash: the restarted run took no snapshot"
  checked "$d"
  echo "crash at transfer $crash, restart from $(basename "$newest") ($n messages in transit): same balances," \
    "snapshots of the restarted run consistent"
done
[ "$moved" -gt 0 ] || fail "no snapshot restarted from had messages in transit: replay not exercised"

d=$work/twice
run "$d" -- --request-every 100 --crash-at 900 >/dev/null 2>&1 && fail "first crash did not happen"
first=$(ls "$d"/snap-*.h5 | tail -n 1)
run "$d" MPISNAP_RESTART=latest -- --request-every 100 --crash-at 1900 >/dev/null 2>&1 && fail "second crash did not happen"
second=$(ls "$d"/snap-*.h5 | tail -n 1)
[ "$second" \> "$first" ] || fail "the restarted run took no snapshot after $(basename "$first")"
checked "$d"
run "$d" MPISNAP_RESTART=latest -- >"$d.out" 2>&1 || { tail -n 5 "$d.out"; fail "second restart failed"; }
[ "$(verdict "$d.out")" = "$want" ] || fail "restarted twice: the run ends differently"
echo "restarted twice ($(basename "$first") then $(basename "$second")): same balances"

d=$work/often
run "$d" MPISNAP_INTERVAL=0.001 -- >"$d.1.out" 2>&1 || { tail -n 5 "$d.1.out"; fail "a run with snapshots every ms failed"; }
[ "$(verdict "$d.1.out")" = "$want" ] || fail "a run with snapshots every ms ends differently"
checked "$d"
# (the first snapshots may be immediate ones, asked for before rank 0's first safe point:
# latest takes the newest that was recorded at safe points)
run "$d" MPISNAP_INTERVAL=0.001 MPISNAP_RESTART=latest -- >"$d.2.out" 2>&1 ||
  { tail -n 5 "$d.2.out"; fail "a restart with snapshots every ms failed"; }
[ "$(verdict "$d.2.out")" = "$want" ] || fail "a restart with snapshots every ms ends differently"
checked "$d"
echo "snapshots every ms: $(ls "$d"/snap-*.h5 | wc -l) files, all consistent, same balances, before and after a restart"

d=$work/crash1300
oldest=$(ls "$d"/snap-*.h5 | head -n 1)
env MPISNAP_DIR="$d" MPISNAP_LOG=warn "$mpiexec" "$npflag" "$np" "$runner" --restart "$oldest" -- "$bank" "${args[@]}" \
  >"$d.run.out" 2>&1 || { tail -n 5 "$d.run.out"; fail "mpisnap-run --restart $oldest failed"; }
[ "$(verdict "$d.run.out")" = "$want" ] || fail "mpisnap-run --restart $(basename "$oldest"): the run ends differently"
echo "mpisnap-run --restart $(basename "$oldest"): same balances"
echo "all bank restart checks passed: $want" | tr '\n' ' '
echo
