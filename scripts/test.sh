#!/usr/bin/env bash
# Build mpisnap and run every test (CUnit unit tests and MPI integration tests).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
# Open MPI refuses root and more ranks than cores unless told; tests use 8 ranks on 2 cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# The cluster tests submit jobs to a single-host Slurm: started here when it can be (root,
# Debian's slurmctld/slurmd/munge installed) and stopped after, if this script started it;
# otherwise those tests are skipped and say why.
cluster=$PWD/scripts/slurm-cluster.sh
if [ "$(id -u)" -eq 0 ] && ! "$cluster" status >/dev/null 2>&1; then
  if "$cluster" start; then trap '"$cluster" stop' EXIT
  else echo "test.sh: the single-host Slurm did not start; the cluster tests will be skipped"; fi
fi
cd build && ctest --output-on-failure -j2 --timeout 300
