#!/usr/bin/env bash
# lammps.sh [BUILD_DIR] [ROUNDS] [NP] [STEPS] - what mpisnap costs a real application when
# no snapshot is running: LAMMPS (Debian's lammps, unmodified), the Lennard-Jones melt of
# tests/mpi/lammps_melt.in run for STEPS steps on NP ranks, plain and under mpisnap-run in
# cl and ly modes, alternating ROUNDS times; prints LAMMPS's own loop time, median of
# each, and the median of the per-round ratios to plain.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
build=$(realpath "${1:-build}") rounds=${2:-5} np=${3:-2} steps=${4:-2000}
here=$(cd "$(dirname "$0")/.." && pwd)
command -v lmp >/dev/null || { echo "lammps.sh: lmp not found: apt-get install --no-install-recommends lammps" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
sed "s/^run .*/run $steps/" "$here/tests/mpi/lammps_melt.in" >"$tmp/in.melt"
loop() { # launcher words... -> LAMMPS's loop time in seconds
  (cd "$tmp" && mpirun -np "$np" --bind-to core "$@" lmp -in in.melt -log none -echo none 2>/dev/null) |
    awk '/^Loop time of/ { print $4 }'
}
for r in $(seq "$rounds"); do
  loop >"$tmp/plain.$r"
  loop -x MPISNAP_ALGO=cl "$build/bin/mpisnap-run" -- >"$tmp/cl.$r"
  loop -x MPISNAP_ALGO=ly "$build/bin/mpisnap-run" -- >"$tmp/ly.$r"
done
python3 - "$tmp" "$rounds" "$np" "$steps" <<'PY'
import sys, statistics as st
d, n, np_, steps = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
t = {(k, r): float(open(f"{d}/{k}.{r}").read()) for k in ("plain", "cl", "ly") for r in range(1, n + 1)}
med = {k: st.median(t[k, r] for r in range(1, n + 1)) for k in ("plain", "cl", "ly")}
ratio = {k: st.median(t[k, r] / t["plain", r] for r in range(1, n + 1)) for k in ("cl", "ly")}
print(f"LAMMPS LJ melt, {steps} steps on {np_} ranks: loop time, median of {n} alternated rounds")
print(f"  plain {med['plain']:.3f} s   cl {med['cl']:.3f} s ({ratio['cl']:.3f}x)   ly {med['ly']:.3f} s ({ratio['ly']:.3f}x)")
PY
