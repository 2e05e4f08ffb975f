#!/usr/bin/env bash
# bigstate.sh [BUILD_DIR] [TOTAL_MiB] [NP] [ROUNDS] - a restartable snapshot of TOTAL_MiB
# of protected state (spread over NP ranks) against writing the same bytes with
# dd conv=fsync to the same directory (and, for reference, with dd oflag=direct, which
# bypasses the page cache as the ranks' writes do); then a restart from it against
# reading the bytes back with dd (both files first dropped from the page cache; and with
# dd iflag=direct, for reference), where
# the restart's time is what it adds to a fresh start: its MPI_Init and first safe
# point, minus a fresh run's MPI_Init (see bigstate.c). All are alternated ROUNDS times
# in one run (the disk of a shared machine changes speed from minute to minute) and the
# medians compared. BENCH_CSV=FILE also writes each round there as CSV (appending, so
# that one file holds several sizes).
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
build=$(realpath "${1:-build}") total=${2:-1024} np=${3:-4} rounds=${4:-3}
# where the files go (the disk measured): BENCH_DIR (an MPISNAP_ name would reach the
# ranks, which refuse unknown MPISNAP_* variables)
dir=${BENCH_DIR:-$PWD/bench-bigstate}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
per=$((total / np))
# Reads start cold: the files leave the page cache (dd iflag=nocache asks the kernel to
# drop a file's clean pages; /proc/sys/vm/drop_caches needs more than a container has).
drop() { sync; for f in "$@"; do dd if="$f" iflag=nocache count=0 status=none; done; }
rows=()
if [ -n "${BENCH_CSV:-}" ]; then
  . "$(dirname "$0")/csv.sh"
  [ -s "$BENCH_CSV" ] || echo "total_mib,ranks,round,dd_write_s,snapshot_s,dd_read_s,restart_with_init_s,dd_direct_write_s,init_s,dd_direct_read_s,pause_s,$csv_meta_header" >"$BENCH_CSV"
fi
for r in $(seq "$rounds"); do
  rm -rf "$dir" && mkdir -p "$dir"
  t_dd=$( { /usr/bin/time -f "%e" dd if=/dev/zero of="$dir/dd.bin" bs=1M count="$total" conv=fsync status=none; } 2>&1 )
  rm -f "$dir/dd.bin"
  t_ddd=$( { /usr/bin/time -f "%e" dd if=/dev/zero of="$dir/dd.bin" bs=1M count="$total" oflag=direct conv=fsync status=none; } 2>&1 )
  out=$(MPISNAP_DIR="$dir" MPISNAP_LOG=warn mpirun -np "$np" "$build/bin/bigstate" "$per")
  snap=$(echo "$out" | awk '/^snapshot:/ { print $2 }') init=$(echo "$out" | awk '/^init:/ { print $2 }')
  pause=$(echo "$out" | awk '/^pause:/ { print $2 }')
  drop "$dir/dd.bin" "$dir"/snap-*.h5
  t_rd=$( { /usr/bin/time -f "%e" dd if="$dir/dd.bin" of=/dev/null bs=1M status=none; } 2>&1 )
  t_rdd=$( { /usr/bin/time -f "%e" dd if="$dir/dd.bin" of=/dev/null bs=32M iflag=direct status=none; } 2>&1 )
  drop "$dir/dd.bin" "$dir"/snap-*.h5
  rest=$(MPISNAP_DIR="$dir" MPISNAP_LOG=warn MPISNAP_RESTART=latest mpirun -np "$np" "$build/bin/bigstate" "$per" |
    awk '/^restart:/ { print $2 }')
  echo "round $r: dd write $t_dd s (direct $t_ddd s), snapshot $snap s (application paused $pause s), dd read $t_rd s (direct $t_rdd s), restart $rest s (MPI_Init of a fresh run $init s)"
  rows+=("$t_dd $snap $t_rd $rest $t_ddd $init $t_rdd $pause")
  [ -z "${BENCH_CSV:-}" ] || echo "$total,$np,$r,$t_dd,$snap,$t_rd,$rest,$t_ddd,$init,$t_rdd,$pause,$csv_meta" >>"$BENCH_CSV"
done
rm -rf "$dir"
printf '%s\n' "${rows[@]}" | python3 -c '
import sys, statistics as st
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
mb = int(sys.argv[1])
dd, s, rd, r, ddd, ini, rdd, pause = (st.median(c) for c in zip(*rows))
net = st.median(row[3] - row[5] for row in rows)  # restart minus the MPI_Init of a fresh run
print(f"{mb} MiB of protected state over the ranks, medians of {len(rows)} alternated rounds")
print(f"  write: dd conv=fsync {dd:.2f} s ({mb/dd:.0f} MiB/s)   snapshot {s:.2f} s ({mb/s:.0f} MiB/s)   snapshot/dd bandwidth {100*dd/s:.0f}%")
print(f"         (dd oflag=direct conv=fsync {ddd:.2f} s ({mb/ddd:.0f} MiB/s): snapshot/dd-direct bandwidth {100*ddd/s:.0f}%)")
print(f"         (the application itself paused {pause:.2f} s, the longest a rank stayed in a safe point)")
print(f"  read:  dd            {rd:.2f} s ({mb/rd:.0f} MiB/s)   restart  {net:.2f} s ({mb/net:.0f} MiB/s)   restart/dd bandwidth {100*rd/net:.0f}%")
print(f"         (dd iflag=direct {rdd:.2f} s ({mb/rdd:.0f} MiB/s): restart/dd-direct bandwidth {100*rdd/net:.0f}%)")
print(f"         (restart counted from the start of MPI_Init: {r:.2f} s, of which a fresh run spends {ini:.2f} s in MPI_Init)")
' "$total"
