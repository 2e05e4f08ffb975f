#!/usr/bin/env bash
# public_hpcc.sh INSPECT RUN HPCC WORKDIR -- MPIEXEC NPFLAG
# The HPC Challenge benchmark (Debian's hpcc: HPL, PTRANS, RandomAccess, FFT, b_eff...,
# nobody here wrote it), unmodified, 4 ranks, under mpisnap-run with a snapshot every
# 50 ms (MPISNAP_ALGO from the environment): it must verify exactly as without mpisnap
# (every PASSED, the error counts, Success=1), and every snapshot must be consistent.
set -u
inspect=$1 runner=$2 hpcc=$3 work=$4; shift 5
mpiexec=$1 npflag=$2
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work/plain" "$work/snap"
# the packaged example input, with a small HPL problem (N = 500) on a 2 x 2 grid
example=/usr/share/doc/hpcc/examples/_hpccinf.txt
[ -r "$example" ] || fail "$example missing (Debian package hpcc)"
for d in plain snap; do sed 's/^1000 .*Ns$/500          Ns/' "$example" >"$work/$d/hpccinf.txt"; done
grep -q '^500 ' "$work/plain/hpccinf.txt" || fail "could not set N in the example input"
(cd "$work/plain" && "$mpiexec" "$npflag" 4 "$hpcc" >run.log 2>&1) || fail "hpcc failed without mpisnap"
(cd "$work/snap" && MPISNAP_DIR="$work/snaps" MPISNAP_LOG=warn "$mpiexec" "$npflag" 4 "$runner" --interval 0.05 -- \
  "$hpcc" >run.log 2>&1) || { tail "$work/snap/run.log"; fail "hpcc failed under mpisnap"; }
# what hpcc verified: HPL's residual, the error counts, Success, and how many of the
# timed PTRANS runs passed (their times differ from run to run, not their verdicts)
verdict() { grep -E 'PASSED|FAILED|Errors=|ErrorsFraction=|^Success=|^Failure=' "$1" | grep -vE '^(WALL|CPU) '
  grep -cE '^(WALL|CPU) .* PASSED ' "$1"; }
[ -n "$(verdict "$work/plain/hpccoutf.txt")" ] || fail "no verification lines in hpcc's output"
diff <(verdict "$work/plain/hpccoutf.txt") <(verdict "$work/snap/hpccoutf.txt") ||
  fail "hpcc verifies differently under mpisnap"
grep -q '^Success=1' "$work/snap/hpccoutf.txt" || fail "hpcc did not succeed under mpisnap"
n=0
for f in "$work/snaps"/snap-*.h5; do
  [ -e "$f" ] || break
  "$inspect" check "$f" >/dev/null || { "$inspect" check "$f" | head -5; fail "$f is not consistent"; }
  n=$((n + 1))
done
[ "$n" -ge 5 ] || fail "only $n snapshots taken (at least 5 expected)"
echo "hpcc verified as without mpisnap ($(grep -c PASSED "$work/snap/hpccoutf.txt") PASSED, Success=1), $n snapshots, all consistent"
