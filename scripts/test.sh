#!/usr/bin/env bash
# Build mpisnap and run every test (CUnit unit tests and MPI integration tests).
#   --sanitize  the same suite under ASan and UBSan, in build-san/ (docs/HARDENING.md,
#               "Sanitizers on the whole suite"; 15 minutes on 2 cores, an hour when loaded)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build config=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) limit=300
case "${1-}" in
  "") ;;
  --sanitize) dir=build-san config=(-DMPISNAP_SANITIZE=address,undefined -DMPISNAP_FUZZ=OFF) limit=900 ;;
  -h | --help) sed -n '2,4s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "test.sh: unknown option $1 (accepted: --sanitize, --help)" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" "${config[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
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
cd "$dir" && ctest --output-on-failure -j2 --timeout "$limit"
