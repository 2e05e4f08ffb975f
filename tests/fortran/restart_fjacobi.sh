#!/usr/bin/env bash
# restart_fjacobi.sh INSPECT FJACOBI JACOBI WORKDIR -- MPIEXEC NPFLAG
# Restart the Fortran jacobi (fjacobi, `use mpisnap`) from snapshots taken at safe
# points (MPISNAP_ALGO from the environment), as restart.sh does for the C one:
#  - the uninterrupted run prints the same checksum as the C jacobi (its twin), and its
#    snapshots are consistent and hold halos in transit (sent by Fortran's MPI_Bsend);
#  - crash it (SIGKILL of rank 1) at several iterations, restart from the newest
#    snapshot (MPISNAP_RESTART=latest): the checksum must equal the uninterrupted run's,
#    bit for bit;
#  - crash the restarted run again and restart a second time: same checksum, and the
#    second run's snapshots go on after the first one's.
set -u
inspect=$1 fjacobi=$2 jacobi=$3 work=$4; shift 5
mpiexec=$1 npflag=$2
fail() { echo "FAIL: $*"; exit 1; }
args=(--n 48 --iters 240 --snapshot-every 20)
run() { # np dir extra-env... -- extra args
  local np=$1 dir=$2; shift 2
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  env MPISNAP_DIR="$dir" MPISNAP_SAFEPOINT_TIMEOUT=5 "${envs[@]}" "$mpiexec" "$npflag" "$np" "$fjacobi" "${args[@]}" "$@"
}
checksum() { grep '^checksum:' "$1"; }
transit() { # in-transit messages in all the snapshots of a directory
  local n=0 f
  for f in "$1"/snap-*.h5; do n=$((n + $("$inspect" messages --json "$f" | grep -o '"src"' | wc -l))); done
  echo $n
}
rm -rf "$work" && mkdir -p "$work"

run 4 "$work/ref" -- >"$work/ref.out" 2>&1 || { tail -n 5 "$work/ref.out"; fail "the reference run failed"; }
want=$(checksum "$work/ref.out")
[ -n "$want" ] || fail "no checksum in the reference run"
n=$(ls "$work/ref"/snap-*.h5 2>/dev/null | wc -l)
[ "$n" -ge 5 ] || fail "the reference run wrote $n snapshots, expected at least 5 (--snapshot-every 20, 240 iterations)"
for f in "$work/ref"/snap-*.h5; do "$inspect" check "$f" >/dev/null || fail "$f is not consistent"; done
t=$(transit "$work/ref")
[ "$t" -gt 0 ] || fail "no snapshot of the reference run holds a message in transit (the halos sent before each safe point)"
env MPISNAP_DIR="$work/cref" "$mpiexec" "$npflag" 4 "$jacobi" "${args[@]}" >"$work/cref.out" 2>&1 ||
  { tail -n 5 "$work/cref.out"; fail "the C jacobi run failed"; }
[ "$(checksum "$work/cref.out")" = "$want" ] || fail "fjacobi $want, its twin the C jacobi $(checksum "$work/cref.out")"
echo "uninterrupted: $want (as the C jacobi), $n snapshots consistent, $t messages in transit"

for crash in 33 101 187; do
  d=$work/crash$crash
  run 4 "$d" -- --crash-at $crash >"$d.1.out" 2>&1 && fail "the run meant to crash at $crash did not"
  n=$(ls "$d"/snap-*.h5 2>/dev/null | wc -l)
  [ "$n" -ge 1 ] || { tail -n 5 "$d.1.out"; fail "crash at $crash: no snapshot written"; }
  for f in "$d"/snap-*.h5; do "$inspect" check "$f" >/dev/null || fail "$f is not consistent"; done
  run 4 "$d" MPISNAP_RESTART=latest -- >"$d.2.out" 2>&1 || { tail -n 5 "$d.2.out"; fail "restart after crash at $crash failed"; }
  grep -q "^fjacobi: .*(restarted)" "$d.2.out" || { tail -n 5 "$d.2.out"; fail "crash at $crash: the run did not restart"; }
  [ "$(checksum "$d.2.out")" = "$want" ] || fail "crash at $crash: restarted $(checksum "$d.2.out"), uninterrupted $want"
  echo "crash at iteration $crash, restart from $(ls "$d"/snap-*.h5 | sed -n "${n}p" | xargs basename): $want"
done

d=$work/twice
run 4 "$d" -- --crash-at 70 >"$d.1.out" 2>&1 && { tail -n 5 "$d.1.out"; fail "first crash did not happen"; }
first=$(ls "$d"/snap-*.h5 | tail -n 1)
run 4 "$d" MPISNAP_RESTART=latest -- --crash-at 170 >"$d.2.out" 2>&1 && { tail -n 5 "$d.2.out"; fail "second crash did not happen"; }
second=$(ls "$d"/snap-*.h5 | tail -n 1)
[ "$second" \> "$first" ] || fail "the restarted run took no snapshot after $(basename "$first")"
"$inspect" check "$second" >/dev/null || fail "$second (a snapshot of a restarted run) is not consistent"
run 4 "$d" MPISNAP_RESTART=latest -- >"$d.out" 2>&1 || { tail -n 5 "$d.out"; fail "second restart failed"; }
grep -q "^fjacobi: .*(restarted)" "$d.out" || fail "restarted twice: the last run did not restart"
[ "$(checksum "$d.out")" = "$want" ] || fail "restarted twice: $(checksum "$d.out"), uninterrupted $want"
echo "restarted twice ($(basename "$first") then $(basename "$second")): $want"
echo "all fjacobi restart checks passed"
