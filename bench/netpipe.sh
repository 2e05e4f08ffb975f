#!/usr/bin/env bash
# netpipe.sh [BUILD_DIR] [ROUNDS] - NetPIPE (Debian's netpipe-openmpi, an unmodified
# public benchmark) plain and under mpisnap-run in cl and ly modes, alternating ROUNDS
# times; prints per message size the median one-way time of each and the median of
# the per-round ratios to plain.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
build=$(realpath "${1:-build}") rounds=${2:-5}
command -v NPopenmpi >/dev/null || { echo "netpipe.sh: NPopenmpi not found: apt-get install netpipe-openmpi" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
run() { # out-file, launcher words...
  local out=$1; shift
  (cd "$tmp" && mpirun -np 2 --bind-to core "$@" NPopenmpi -p 0 -l 8 -u 1048576 -n 2000 -o "$out" >/dev/null 2>&1)
}
for r in $(seq "$rounds"); do
  run "plain.$r"
  run "cl.$r" "$build/bin/mpisnap-run" --algo cl --
  run "ly.$r" "$build/bin/mpisnap-run" --algo ly --
done
# NetPIPE output: bytes, Mbps, seconds; the time column has 10 ns resolution, so the
# one-way time is derived from the throughput column instead: bytes*8 / (Mbps*1e6).
# A ratio is the median over rounds of (variant / plain) within the round.
python3 - "$tmp" "$rounds" <<'PY'
import sys, statistics as st
d, n = sys.argv[1], int(sys.argv[2])
def load(kind, r):
    return {int(f[0]): int(f[0]) * 8 / (float(f[1]) * 1e6) for f in (l.split() for l in open(f"{d}/{kind}.{r}")) if f}
t = {(k, r): load(k, r) for k in ("plain", "cl", "ly") for r in range(1, n + 1)}
print(f"{'bytes':>9} {'plain':>11} {'cl':>11} {'ly':>11} {'cl/plain':>9} {'ly/plain':>9}   (one-way us, median of {n} alternated rounds; ratios: median of per-round ratios)")
for s in (8, 1024, 65536, 1048576):
    if s not in t["plain", 1]:
        continue
    med = {k: st.median(t[k, r][s] for r in range(1, n + 1)) for k in ("plain", "cl", "ly")}
    ratio = {k: st.median(t[k, r][s] / t["plain", r][s] for r in range(1, n + 1)) for k in ("cl", "ly")}
    print(f"{s:>9} {med['plain'] * 1e6:11.3f} {med['cl'] * 1e6:11.3f} {med['ly'] * 1e6:11.3f} {ratio['cl']:9.3f} {ratio['ly']:9.3f}")
PY
