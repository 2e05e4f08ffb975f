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
# hpcc's input (its example, with a small HPL problem: N = 500 on a 2 x 2 grid)
input() {
  cat <<'IN'
HPLinpack benchmark input file
Innovative Computing Laboratory, University of Tennessee
HPL.out      output file name (if any)
8            device out (6=stdout,7=stderr,file)
1            # of problems sizes (N)
500          Ns
1            # of NBs
80           NBs
0            PMAP process mapping (0=Row-,1=Column-major)
1            # of process grids (P x Q)
2            Ps
2            Qs
16.0         threshold
1            # of panel fact
2            PFACTs (0=left, 1=Crout, 2=Right)
1            # of recursive stopping criterium
4            NBMINs (>= 1)
1            # of panels in recursion
2            NDIVs
1            # of recursive panel fact.
1            RFACTs (0=left, 1=Crout, 2=Right)
1            # of broadcast
1            BCASTs (0=1rg,1=1rM,2=2rg,3=2rM,4=Lng,5=LnM)
1            # of lookahead depth
1            DEPTHs (>=0)
2            SWAP (0=bin-exch,1=long,2=mix)
64           swapping threshold
0            L1 in (0=transposed,1=no-transposed) form
0            U  in (0=transposed,1=no-transposed) form
1            Equilibration (0=no,1=yes)
8            memory alignment in double (> 0)
##### This line (no. 32) is ignored (it serves as a separator). ######
0                      		Number of additional problem sizes for PTRANS
1200 10000 30000        	values of N
0                       	number of additional blocking sizes for PTRANS
40 9 8 13 13 20 16 32 64       	values of NB
IN
}
for d in plain snap; do input >"$work/$d/hpccinf.txt"; done
(cd "$work/plain" && "$mpiexec" "$npflag" 4 "$hpcc" >run.log 2>&1) || fail "hpcc failed without mpisnap"
(cd "$work/snap" && MPISNAP_DIR="$work/snaps" MPISNAP_LOG=warn "$mpiexec" "$npflag" 4 "$runner" --interval 0.05 -- \
  "$hpcc" >run.log 2>&1) || { tail "$work/snap/run.log"; fail "hpcc failed under mpisnap"; }
# what hpcc verified: HPL's residual, the error counts, Success, and how many of the
# timed PTRANS runs passed (one WALL line each; their times differ from run to run, not
# their verdicts; a CPU line is printed only when the CPU time measured is not 0)
verdict() { grep -E 'PASSED|FAILED|Errors=|ErrorsFraction=|^Success=|^Failure=' "$1" | grep -vE '^(WALL|CPU) '
  grep -cE '^WALL .* PASSED ' "$1"; grep -cE '^(WALL|CPU) .* FAILED ' "$1"; }
grep -q '^Success=1' "$work/plain/hpccoutf.txt" && grep -q 'PASSED' "$work/plain/hpccoutf.txt" ||
  fail "hpcc did not verify without mpisnap (no Success=1 and PASSED in its output)"
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
