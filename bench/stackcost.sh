#!/usr/bin/env bash
# stackcost.sh [BUILD_DIR] [DEPTH...] - what recording one call stack costs a rank at
# snapshot time: format 2's backtrace_symbols() against format 3's module, build-id and
# offset (lib/engine/stackid.c), in microseconds per stack, for stacks of DEPTH frames of
# the program (default 5 20 50) in one MPI process (bench/stackcost.c).
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;; esac
build=$(realpath "${1:-build}"); shift || true
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for d in ${*:-5 20 50}; do
  mpirun -np 1 "$build/bin/stackcost" "$d"
done
