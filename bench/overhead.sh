#!/usr/bin/env bash
# overhead.sh [BUILD_DIR] [ROUNDS] - cost of mpisnap when no snapshot is running.
# Runs the same plain-MPI ping-pong (bench/pingpong.c, 2 ranks) without mpisnap, with
# mpisnap preloaded in cl mode, and in ly mode, alternating the three ROUNDS times in
# one run, and prints per message size the median over rounds of each and the median of
# the per-round ratios to plain.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
build=${1:-build} rounds=${2:-7}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
run() { mpirun -np 2 --bind-to core -x MPISNAP_DIR="$tmp/snaps" "$@" "$build/bin/pingpong" --iters 20000 --reps 5; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  run >"$tmp/plain.$r"
  run -x MPISNAP_ALGO=cl -x LD_PRELOAD="$(realpath "$build/lib/libmpisnap.so")" >"$tmp/cl.$r"
  run -x MPISNAP_ALGO=ly -x LD_PRELOAD="$(realpath "$build/lib/libmpisnap.so")" >"$tmp/ly.$r"
done
python3 - "$tmp" "$rounds" <<'PY'
import sys, statistics as st
d, n = sys.argv[1], int(sys.argv[2])
def load(kind):
    rows = {}
    for r in range(1, n + 1):
        for line in open(f"{d}/{kind}.{r}"):
            size, us, mbs = line.split()
            rows.setdefault(int(size), []).append((float(us), float(mbs)))
    return rows
p, c, l = load("plain"), load("cl"), load("ly")
# A ratio is the median over rounds of (variant / plain) within the round: runs next to
# each other in time share the machine's state, which drifts by more than the effect.
print(f"{'size':>8} {'plain us':>9} {'cl us':>9} {'ly us':>9} {'cl/plain':>9} {'ly/plain':>9}   (one-way latency, median of {n} alternated rounds; ratios: median of per-round ratios)")
for s in sorted(p):
    mp, mc, ml = (st.median(x[0] for x in v[s]) for v in (p, c, l))
    rc = st.median(c[s][r][0] / p[s][r][0] for r in range(n))
    rl = st.median(l[s][r][0] / p[s][r][0] for r in range(n))
    print(f"{s:>8} {mp:9.3f} {mc:9.3f} {ml:9.3f} {rc:9.3f} {rl:9.3f}")
PY
