#!/usr/bin/env bash
# floor.sh [BUILD_DIR] [ROUNDS] [--instr] - where the cost of mpisnap on small messages
# goes. Runs bench/pingpong (2 ranks, 8 B and 1 KiB) plain, under the four cumulative
# floor interposers of bench/floor.c (interposition alone; + counters and the call in
# progress; + an interruptible receive; + an 8-byte epoch header), and under mpisnap in
# cl and ly modes, alternating all of them ROUNDS times in one run; prints the median
# one-way latency of each and the median of its per-round ratios to plain MPI.
# With --instr, instead counts with callgrind the instructions of one 8-byte send and
# receive to self (bench/selfpair.c) under each: deterministic, where time is noisy.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
build=$(realpath "${1:-build}") rounds=${2:-9} mode=${3:-time}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
variants=(plain floor1 floor2 floor3 floor4 cl ly)
preload() { # variant -> the environment words that select it
  case $1 in
    plain) ;;
    floor*) echo "LD_PRELOAD=$build/lib/$1.so" ;;
    *) echo "MPISNAP_ALGO=$1 LD_PRELOAD=$build/lib/libmpisnap.so" ;;
  esac
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ "$mode" = --instr ]; then
  command -v valgrind >/dev/null || { echo "floor.sh: --instr needs valgrind (apt-get install valgrind)" >&2; exit 2; }
  instr() { # variant n -> instructions of the selfpair process
    rm -f "$tmp"/cg.*
    (cd "$tmp" && env MPISNAP_DIR="$tmp/snaps" $(preload "$1") valgrind --tool=callgrind --trace-children=yes \
      --trace-children-skip='*orted*' --callgrind-out-file="$tmp/cg.%p" "$build/bin/selfpair" "$2" >/dev/null 2>&1)
    for f in "$tmp"/cg.*; do grep -q '^cmd:.*selfpair' "$f" && awk '/^(summary|totals):/ {print $2; exit}' "$f"; done | sort -n | tail -n 1
  }
  printf "%-8s %12s %9s   (instructions per 8-byte send + receive to self, callgrind)\n" variant instr "x plain"
  base=
  for v in "${variants[@]}"; do
    a=$(instr "$v" 10000) b=$(instr "$v" 20000)
    per=$(( (b - a) / 10000 ))
    base=${base:-$per}
    awk -v v="$v" -v p="$per" -v b="$base" 'BEGIN { printf "%-8s %12d %9.3f\n", v, p, p / b }'
  done
  exit 0
fi
for r in $(seq "$rounds"); do
  for v in "${variants[@]}"; do
    xs=(-x MPISNAP_DIR="$tmp/snaps")
    for w in $(preload "$v"); do xs+=(-x "$w"); done
    for size in 8 1024; do
      mpirun -np 2 --bind-to core "${xs[@]}" "$build/bin/pingpong" --iters 40000 --reps 7 --size $size >"$tmp/$v.$size.$r"
    done
  done
done
python3 - "$tmp" "$rounds" "${variants[@]}" <<'PY'
import sys, statistics as st
d, n, variants = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
what = {"plain": "plain MPI", "floor1": "interposition alone", "floor2": "+ counters, call in progress",
        "floor3": "+ interruptible receive", "floor4": "+ 8-byte epoch header", "cl": "mpisnap cl", "ly": "mpisnap ly"}
t = {(v, s, r): float(open(f"{d}/{v}.{s}.{r}").read().split()[1]) for v in variants for s in (8, 1024)
     for r in range(1, n + 1)}
med = lambda v, s: st.median(t[v, s, r] for r in range(1, n + 1))
ratio = lambda v, s: st.median(t[v, s, r] / t["plain", s, r] for r in range(1, n + 1)) # within each round
print(f"{'variant':<8} {'':<30} {'8 B us':>8} {'ratio':>6} {'1 KiB us':>9} {'ratio':>6}   (one-way, median of {n} alternated rounds; ratios: median of per-round ratios)")
for v in variants:
    print(f"{v:<8} {what[v]:<30} {med(v, 8):8.4f} {ratio(v, 8):6.3f} {med(v, 1024):9.4f} {ratio(v, 1024):6.3f}")
PY
