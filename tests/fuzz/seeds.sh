#!/usr/bin/env bash
# seeds.sh OUT BINDIR MPIEXEC NPFLAG - real snapshots of every kind, the fuzz targets'
# seed corpus (and the files tests/fuzz/mutate.sh damages):
#   bank-cl, bank-ly   the bank under snapshots from every rank: messages in transit,
#                      a conserved quantity, pending requests
#   bank-safepoint     restartable: regions written by safe points
#   jacobi             restartable, a region per rank of a few KiB
#   cycle3            a deadlock caught by mpisnap-run's hang watchdog (waits, stacks)
#   fjacobi            a Fortran program (use mpisnap), when built
# Every file must pass `mpisnap-inspect check`; fails (exit 1) when a kind is missing.
set -u
out=$1 bin=$2 mpiexec=$3 npflag=$4
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out/work" || exit 2
job() { # name dir-env... -- command
  local name=$1 d=$out/work/$1; shift
  mkdir -p "$d"
  env MPISNAP_DIR="$d" "$@" >"$d.out" 2>&1 || { tail -n 5 "$d.out" >&2; fail "$name: the job failed"; }
}
keep() { # name max: the first max complete snapshots of job name join the corpus
  local n=0 f
  for f in "$out/work/$1"/snap-*.h5; do
    [ -e "$f" ] || break
    "$bin/mpisnap-inspect" check "$f" >/dev/null || fail "$f is not consistent"
    cp "$f" "$out/$1-$(basename "$f")"
    n=$((n + 1))
    [ $n -lt "$2" ] || break
  done
  [ $n -gt 0 ] || fail "$1: no snapshot written"
}
for algo in cl ly; do
  job bank-$algo MPISNAP_ALGO=$algo "$mpiexec" "$npflag" 3 "$bin/bank" --transfers 300 --request-every 60 --quiet
  keep bank-$algo 3
done
job bank-safepoint "$mpiexec" "$npflag" 2 "$bin/bank" --transfers 300 --safepoint-every 40 --request-every 100 --quiet
keep bank-safepoint 2
job jacobi "$mpiexec" "$npflag" 2 "$bin/jacobi" --n 16 --iters 40 --snapshot-every 20
keep jacobi 2
if [ -x "$bin/fjacobi" ]; then
  job fjacobi "$mpiexec" "$npflag" 2 "$bin/fjacobi" --n 16 --iters 40 --snapshot-every 20
  keep fjacobi 1
fi
# a deadlock: the watchdog's snapshot, then the job is stopped
d=$out/work/cycle3
mkdir -p "$d"
MPISNAP_DIR="$d" setsid timeout -s KILL 60 "$mpiexec" "$npflag" 3 "$bin/mpisnap-run" --hang-timeout 1 \
  -- "$bin/broken_cycle3" "$d" >"$d.out" 2>&1 &
pid=$!
for _ in $(seq 300); do ls "$d"/snap-*.h5 >/dev/null 2>&1 && break; sleep 0.1; done
kill -KILL -- "-$pid" 2>/dev/null
wait "$pid" 2>/dev/null
keep cycle3 1
"$bin/mpisnap-inspect" waits "$out"/cycle3-*.h5 >/dev/null
[ $? -eq 3 ] || fail "the cycle3 snapshot shows no deadlock"
rm -rf "$out/work"
ls -l "$out"
