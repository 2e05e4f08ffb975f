#!/usr/bin/env bash
# Messages and rounds of one snapshot at scale, from the simulated network (tests/sim):
# the real engine and protocol plug-ins, N simulated ranks in one process, synchronous
# rounds (every message takes one round), one initiator, a message in flight from every
# rank. Prints CSV: algo,ranks,control messages,collective messages (Lai-Yang's
# reduce-scatter, log2 N per rank as recursive halving sends),total,rounds,per rank.
# Usage: bench/sim_scale.sh BUILD_DIR [N...]   (default 64 256 1024 4096)
# Memory grows as N^2 (every simulated rank keeps per-peer counters): 4096 ranks need
# about 3 GB, 8192 about 11 GB.
set -euo pipefail
usage="usage: bench/sim_scale.sh BUILD_DIR [N...]   (N: simulated ranks, default 64 256 1024 4096)"
case "${1:-}" in -h|--help) echo "$usage"; sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
build=${1:?$usage}
shift
sizes=("$@")
for n in "${sizes[@]}"; do
  [[ $n =~ ^[0-9]+$ && $n -ge 2 ]] || { echo "sim_scale.sh: '$n' is not a number of ranks >= 2; $usage" >&2; exit 2; }
done
[ ${#sizes[@]} -gt 0 ] || sizes=(64 256 1024 4096)
sim=$build/bin/mpisnap-sim
[ -x "$sim" ] || { echo "sim_scale.sh: $sim not found: build first (cmake --build $build)" >&2; exit 2; }
echo "algo,ranks,control,collective,total,rounds,per_rank"
for n in "${sizes[@]}"; do
  for algo in cl ly; do "$sim" --scale "$n" --algo "$algo"; done
done
