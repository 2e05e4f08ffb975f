#!/usr/bin/env bash
# bigstate.sh [BUILD_DIR] [TOTAL_MiB] [NP] - a restartable snapshot of TOTAL_MiB of
# protected state (spread over NP ranks) against writing the same bytes with
# dd conv=fsync to the same directory, in the same run; then a restart from it against
# reading the bytes back with dd.
set -euo pipefail
build=$(realpath "${1:-build}") total=${2:-1024} np=${3:-4}
dir=${MPISNAP_BENCH_DIR:-$PWD/bench-bigstate}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
rm -rf "$dir" && mkdir -p "$dir"
per=$((total / np))
t_dd=$( { /usr/bin/time -f "%e" dd if=/dev/zero of="$dir/dd.bin" bs=1M count="$total" conv=fsync status=none; } 2>&1 )
snap=$(MPISNAP_DIR="$dir" MPISNAP_LOG=warn mpirun -np "$np" "$build/bin/bigstate" "$per" | awk '/^snapshot:/ { print $2 }')
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
t_rd=$( { /usr/bin/time -f "%e" dd if="$dir/dd.bin" of=/dev/null bs=1M status=none; } 2>&1 )
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
rest=$(MPISNAP_DIR="$dir" MPISNAP_LOG=warn MPISNAP_RESTART=latest mpirun -np "$np" "$build/bin/bigstate" "$per" | awk '/^restart:/ { print $2 }')
awk -v mb="$total" -v dd="$t_dd" -v s="$snap" -v rd="$t_rd" -v r="$rest" 'BEGIN {
  printf "%d MiB of protected state over the ranks\n", mb
  printf "  write: dd conv=fsync %.2f s (%.0f MiB/s)   snapshot %.2f s (%.0f MiB/s)   snapshot/dd bandwidth %.0f%%\n", dd, mb/dd, s, mb/s, 100*dd/s
  printf "  read:  dd            %.2f s (%.0f MiB/s)   restart  %.2f s (%.0f MiB/s)   restart/dd bandwidth %.0f%%\n", rd, mb/rd, r, mb/r, 100*rd/r }'
rm -rf "$dir"
