#!/usr/bin/env bash
# restart_direct.sh INSPECT JACOBI WORKDIR -- MPIEXEC NPFLAG
# Regions large enough that each rank writes its own straight into the snapshot file
# (over 4 MiB per rank, collect.c), both ways a rank can get its bytes there:
#  - directly (the rank opens the collector's .part file): every snapshot is consistent,
#    ranks other than the collector report writing their regions, and a restart from
#    the newest snapshot after a crash gives the uninterrupted run's checksum, bit for bit;
#  - through the collector, when a rank cannot open the file: here the ranks run in
#    another working directory than the collector (mpirun -wdir) and MPISNAP_DIR is
#    relative, so the path the collector gives them does not exist for them. They say so
#    and send their bytes instead; the snapshots are as good, the restart as exact.
set -u
inspect=$1 jacobi=$2 work=$3; shift 4
mpiexec=$1 npflag=$2
fail() { echo "FAIL: $*"; exit 1; }
args=(--n 1600 --iters 100 --snapshot-every 20) # 1600 x 1600 doubles: 5 MiB per rank of 4
checksum() { grep '^checksum:' "$1"; }
rm -rf "$work" && mkdir -p "$work/a" "$work/b"

"$mpiexec" "$npflag" 4 "$jacobi" "${args[@]}" >"$work/ref.out" 2>&1 || fail "the reference run failed"
want=$(checksum "$work/ref.out")
[ -n "$want" ] || fail "no checksum in the reference run"

check_all() { # dir what
  local n=0
  for f in "$1"/snap-*.h5; do
    [ -e "$f" ] || break
    "$inspect" check "$f" >/dev/null || fail "$2: $f is not consistent"
    n=$((n + 1))
  done
  [ "$n" -ge 2 ] || fail "$2: $n snapshots written, at least 2 expected"
  echo "$2: $n snapshots, all consistent"
}

# directly
d=$work/direct
MPISNAP_DIR=$d MPISNAP_LOG=debug "$mpiexec" "$npflag" 4 "$jacobi" "${args[@]}" --crash-at 65 >"$d.1.out" 2>&1 &&
  fail "the run meant to crash did not"
check_all "$d" "written by the ranks"
for r in 1 2 3; do
  grep -q "mpisnap\[$r@.*this rank's regions written in" "$d.1.out" || fail "rank $r did not write its own regions"
done
grep -q "sending the regions to the collector" "$d.1.out" && fail "a rank fell back to sending its regions"
MPISNAP_DIR=$d MPISNAP_RESTART=latest "$mpiexec" "$npflag" 4 "$jacobi" "${args[@]}" >"$d.2.out" 2>&1 ||
  { tail "$d.2.out"; fail "restart failed"; }
[ "$(checksum "$d.2.out")" = "$want" ] || fail "restarted $(checksum "$d.2.out"), uninterrupted $want"
echo "written by the ranks, restarted after a crash: $want"

# through the collector: rank 0 in a/, ranks 1-3 in b/, MPISNAP_DIR relative
mpmd() { # extra args for every rank
  MPISNAP_DIR=snaps MPISNAP_LOG=debug "$mpiexec" "$npflag" 1 -wdir "$work/a" "$jacobi" "${args[@]}" "$@" : \
    "$npflag" 3 -wdir "$work/b" "$jacobi" "${args[@]}" "$@"
}
mpmd --crash-at 65 >"$work/sent.1.out" 2>&1 && fail "the run meant to crash did not (ranks in other directories)"
check_all "$work/a/snaps" "sent to the collector"
grep -q "sending the regions to the collector instead" "$work/sent.1.out" || fail "no rank said it sent its regions"
grep -q "the collector does" "$work/sent.1.out" || fail "the collector did not say it wrote a rank's regions"
newest=$(ls "$work/a/snaps"/snap-*.h5 | tail -n 1)
MPISNAP_RESTART=$newest mpmd >"$work/sent.2.out" 2>&1 || { tail "$work/sent.2.out"; fail "restart failed"; }
[ "$(checksum "$work/sent.2.out")" = "$want" ] || fail "restarted $(checksum "$work/sent.2.out"), uninterrupted $want"
echo "sent to the collector, restarted from $(basename "$newest"): $want"
