#!/usr/bin/env bash
# scale.sh [BUILD_DIR] [N...] - what one snapshot costs against the number of ranks, as
# CSV on stdout (default N: 2 4 8 16 32 64; algorithms cl and ly). For each algorithm
# and N, bench/snapcost.c (every rank protects REGION_KIB KiB, default 16) is run:
#  - with and without one snapshot under Open MPI's message monitoring
#    (pml_monitoring, which also counts the messages inside collectives): the
#    difference of the messages sent by all ranks, and of the messages and bytes that
#    rank 0, the collector, received;
#  - with one snapshot, unmonitored, REPS times (default 3; the median run by time):
#    the time from rank 0's request to the file committed, the completion time the
#    library logs (first record to commit), the file's size, and the peak memory
#    growth of each rank while it took part (VmHWM after the snapshot minus VmRSS
#    before it; the collector apart from the others, whose largest and mean are given).
# Columns: algo,ranks,messages,collector_msgs,collector_bytes,file_bytes,ms_request,
#          ms_logged,rss_kib_collector,rss_kib_other_max,rss_kib_other_mean
# On a machine with fewer cores than ranks the times measure the scheduler as much as
# mpisnap: read them as an upper bound.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
build=$(realpath "${1:-build}"); shift || true
sizes=${*:-2 4 8 16 32 64}
region=${REGION_KIB:-16} reps=${REPS:-3}
[ -x "$build/bin/snapcost" ] || { echo "scale.sh: no $build/bin/snapcost: build first (cmake --build $build)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_btl=self,vader
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
monitored() { # algo N mode -> "messages collector_msgs collector_bytes", summed over all ranks
  rm -rf "$tmp"/mon.* "$tmp/snaps"
  MPISNAP_ALGO=$1 MPISNAP_DIR="$tmp/snaps" MPISNAP_LOG=warn mpirun -np "$2" \
    --mca pml_monitoring_enable 2 --mca pml_monitoring_enable_output 3 \
    --mca pml_monitoring_filename "$tmp/mon" "$build/bin/snapcost" "$3" --region "$region" >/dev/null 2>&1
  awk '$1 == "E" || $1 == "I" { n += $6; if ($3 == 0) { c += $6; b += $4 } } END { print n + 0, c + 0, b + 0 }' "$tmp"/mon.*.prof
}
timed() { # algo N -> "ms_request ms_logged file_bytes rss_collector rss_other_max rss_other_mean"
  rm -rf "$tmp/snaps"
  MPISNAP_ALGO=$1 MPISNAP_DIR="$tmp/snaps" MPISNAP_LOG=info mpirun -np "$2" \
    "$build/bin/snapcost" snap --region "$region" --report >"$tmp/out" 2>&1 ||
    { cat "$tmp/out" >&2; echo "scale.sh: the run of $2 ranks ($1) failed" >&2; exit 1; }
  local f
  f=$(ls "$tmp"/snaps/snap-*.h5)
  awk -v size="$(stat -c %s "$f")" '
    /^snapcost:/ { ms = $5; rc = $7; rm = $9; ra = $11 }
    /snapshot 1 complete/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "ms") logged = $i }
    END { print ms, logged, size, rc, rm, ra }' "$tmp/out"
}
echo "algo,ranks,messages,collector_msgs,collector_bytes,file_bytes,ms_request,ms_logged,rss_kib_collector,rss_kib_other_max,rss_kib_other_mean"
for n in $sizes; do
  for algo in ${ALGOS:-cl ly}; do
    read -r m1 c1 b1 <<<"$(monitored "$algo" "$n" snap)"
    read -r m0 c0 b0 <<<"$(monitored "$algo" "$n" none)"
    for r in $(seq "$reps"); do timed "$algo" "$n"; done | sort -n -k1,1 | sed -n "$(((reps + 1) / 2))p" >"$tmp/med"
    read -r ms logged size rc rm ra <"$tmp/med"
    echo "$algo,$n,$((m1 - m0)),$((c1 - c0)),$((b1 - b0)),$size,$ms,$logged,$rc,$rm,$ra"
  done
done
