#!/usr/bin/env bash
# snapcost.sh [BUILD_DIR] [N...] - messages it takes to complete one snapshot, for N
# ranks, under cl and ly: the program bench/snapcost.c is run with and without one
# snapshot under Open MPI's message monitoring (pml_monitoring), and the difference of
# the total number of messages sent by all ranks is printed: point-to-point messages of
# the library (markers, notices, parts, completion) and messages inside collectives
# (Lai-Yang's MPI_Ireduce_scatter_block). Also the time a snapshot takes to complete
# (initiation to file written, as its log line says): the median of 5 in a row, in a
# run of its own.
# BENCH_CSV=FILE also writes the rows there as CSV.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
build=$(realpath "${1:-build}"); shift || true
sizes=${*:-2 4 8 16 32}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
count() { # algo, N, mode -> total messages (p2p + internal) over all ranks
  rm -f "$tmp"/mon.*
  MPISNAP_ALGO=$1 MPISNAP_DIR="$tmp/snaps" MPISNAP_LOG=warn mpirun -np "$2" \
    --mca pml_monitoring_enable 2 --mca pml_monitoring_enable_output 3 \
    --mca pml_monitoring_filename "$tmp/mon" "$build/bin/snapcost" $3 >/dev/null 2>&1
  awk '$1 == "E" || $1 == "I" { n += $6 } END { print n + 0 }' "$tmp"/mon.*.prof
}
took() { # algo N -> the median time of 5 snapshots, ms
  MPISNAP_ALGO=$1 MPISNAP_DIR="$tmp/snaps" MPISNAP_LOG=info mpirun -np "$2" "$build/bin/snapcost" snap 5 2>&1 |
    sed -n 's/.*snapshot [0-9]* complete: .*, \([0-9.]*\) ms$/\1/p' | sort -g | sed -n 3p
}
if [ -n "${BENCH_CSV:-}" ]; then
  . "$(dirname "$0")/csv.sh"
  echo "ranks,algo,messages,complete_ms,$csv_meta_header" >"$BENCH_CSV"
fi
printf "%5s %10s %10s %10s %12s %10s %10s\n" N cl ly "N(N-1)" "N*log2(N)" "cl ms" "ly ms"
for n in $sizes; do
  cl=$(( $(count cl "$n" snap) - $(count cl "$n" none) )) cl_ms=$(took cl "$n")
  ly=$(( $(count ly "$n" snap) - $(count ly "$n" none) )) ly_ms=$(took ly "$n")
  printf "%5d %10d %10d %10d %12.0f %10s %10s\n" "$n" "$cl" "$ly" $((n * (n - 1))) \
    "$(awk -v n="$n" 'BEGIN { print n * log(n) / log(2) }')" "${cl_ms:-?}" "${ly_ms:-?}"
  if [ -n "${BENCH_CSV:-}" ]; then
    echo "$n,cl,$cl,$cl_ms,$csv_meta" >>"$BENCH_CSV"
    echo "$n,ly,$ly,$ly_ms,$csv_meta" >>"$BENCH_CSV"
  fi
done
