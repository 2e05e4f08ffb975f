#!/usr/bin/env bash
# overhead.sh [BUILD_DIR] [ROUNDS] - cost of mpisnap when no snapshot is running.
# Runs the same plain-MPI ping-pong (bench/pingpong.c, 2 ranks) without mpisnap, with
# mpisnap preloaded in cl mode, and in ly mode, alternating the three ROUNDS times in
# one run, and prints per message size the median over rounds of each and the median of
# the per-round ratios to plain. BENCH_SIZES=8,1024,... chooses the sizes (default 8 B,
# 1 KiB, 64 KiB, 1 MiB), BENCH_ITERS the round trips per repetition (default 20000, a
# tenth from 64 KiB on); BENCH_CSV=FILE also writes the rows there as CSV.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
build=${1:-build} rounds=${2:-7}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
sizes=()
[ -z "${BENCH_SIZES:-}" ] || sizes=(--sizes "$BENCH_SIZES")
run() { mpirun -np 2 --bind-to core -x MPISNAP_DIR="$tmp/snaps" "$@" "$build/bin/pingpong" --iters "${BENCH_ITERS:-20000}" --reps 5 "${sizes[@]}"; }
[ -z "${BENCH_CSV:-}" ] || . "$(dirname "$0")/csv.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# mpisnap added to what is preloaded already (the sanitized suite's tests/sanitize/preload.c)
pre="$(realpath "$build/lib/libmpisnap.so")${LD_PRELOAD:+:$LD_PRELOAD}"
for r in $(seq "$rounds"); do
  run >"$tmp/plain.$r"
  run -x MPISNAP_ALGO=cl -x LD_PRELOAD="$pre" >"$tmp/cl.$r"
  run -x MPISNAP_ALGO=ly -x LD_PRELOAD="$pre" >"$tmp/ly.$r"
done
python3 - "$tmp" "$rounds" "${BENCH_CSV:-}" "${csv_meta_header:-}" "${csv_meta:-}" <<'PY'
import csv, sys, statistics as st
d, n = sys.argv[1], int(sys.argv[2])
out = csv.writer(open(sys.argv[3], "w", newline="")) if sys.argv[3] else None
if out: out.writerow("size_bytes plain_us cl_us ly_us cl_ratio ly_ratio rounds".split() + sys.argv[4].split(","))
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
    if out: out.writerow([s, f"{mp:.4f}", f"{mc:.4f}", f"{ml:.4f}", f"{rc:.4f}", f"{rl:.4f}", n] + sys.argv[5].split(","))
PY
