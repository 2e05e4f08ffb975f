#!/usr/bin/env bash
# fortran.sh [BUILD_DIR] [ROUNDS | --instr] - what mpisnap costs a Fortran program, beside C.
# The same ping-pong written in C (bench/pingpong.c), with `use mpi` and with `use
# mpi_f08` (bench/fpingpong.F90), 2 ranks, 8 bytes and 1 KiB, each run without mpisnap
# and with it preloaded (cl), alternating ROUNDS times in one run. Prints per program
# and size the median one-way latency plain and under mpisnap, and the median of the
# per-round ratios: the Fortran layer (handle conversions, one more call) is the
# difference between the Fortran ratios and the C one.
# --instr: instructions per 8-byte send + receive to self instead (callgrind, as
# bench/floor.sh --instr; bench/selfpair.c and bench/fselfpair.F90), which the machine's
# noise does not touch.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
build=$(realpath "${1:-build}") rounds=${2:-7}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
progs=(pingpong fpingpong fpingpong08)
for p in "${progs[@]}"; do
  [ -x "$build/bin/$p" ] || { echo "fortran.sh: $build/bin/$p missing (needs gfortran at configure time)" >&2; exit 2; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ "$rounds" = --instr ]; then
  command -v valgrind >/dev/null || { echo "fortran.sh: --instr needs valgrind (apt-get install valgrind)" >&2; exit 2; }
  instr() { # program n [environment words] -> instructions of the program's process
    local p=$1 n=$2; shift 2
    rm -f "$tmp"/cg.*
    (cd "$tmp" && env MPISNAP_DIR="$tmp/snaps" "$@" valgrind --tool=callgrind --trace-children=yes \
      --trace-children-skip='*orted*' --callgrind-out-file="$tmp/cg.%p" "$build/bin/$p" "$n" >/dev/null 2>&1)
    for f in "$tmp"/cg.*; do grep -q "^cmd:.*$p" "$f" && awk '/^(summary|totals):/ {print $2; exit}' "$f"; done | sort -n | tail -n 1
  }
  per() { echo $(( ($(instr "$1" 20000 "${@:2}") - $(instr "$1" 10000 "${@:2}")) / 10000 )); }
  printf "%-12s %8s %8s %9s   (instructions per 8-byte send + receive to self, callgrind)\n" program plain cl "cl-plain"
  for p in selfpair fselfpair fselfpair08; do
    a=$(per $p) b=$(per $p MPISNAP_ALGO=cl LD_PRELOAD="$build/lib/libmpisnap.so")
    printf "%-12s %8d %8d %9d\n" $p "$a" "$b" $((b - a))
  done
  exit 0
fi
run() { mpirun -np 2 --bind-to core -x MPISNAP_DIR="$tmp/snaps" "$@" --iters 20000 --reps 5 --size "$size"; }
for r in $(seq "$rounds"); do
  for p in "${progs[@]}"; do
    for size in 8 1024; do
      run "$build/bin/$p" >"$tmp/$p.plain.$size.$r"
      run -x MPISNAP_ALGO=cl -x LD_PRELOAD="$build/lib/libmpisnap.so" "$build/bin/$p" >"$tmp/$p.snap.$size.$r"
    done
  done
done
python3 - "$tmp" "$rounds" "${progs[@]}" <<'PY'
import sys, statistics as st
d, n, progs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
us = lambda f: float(open(f).read().split()[1])
print(f"{'program':>12} {'size':>6} {'plain us':>9} {'cl us':>9} {'cl/plain':>9}   (one-way latency, median of {n} alternated rounds; ratio: median of per-round ratios)")
for p in progs:
    for s in (8, 1024):
        a = [us(f"{d}/{p}.plain.{s}.{r}") for r in range(1, n + 1)]
        b = [us(f"{d}/{p}.snap.{s}.{r}") for r in range(1, n + 1)]
        print(f"{p:>12} {s:>6} {st.median(a):9.3f} {st.median(b):9.3f} {st.median(y / x for x, y in zip(a, b)):9.3f}")
PY
