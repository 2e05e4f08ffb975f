#!/usr/bin/env bash
# The main job: install what is missing, build, run a 4-rank bank job that takes
# snapshots (every rank asks for some, concurrently), then inspect the newest one.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
rm -rf mpisnap
mpirun -np 4 ./build/bin/bank --transfers 2000 --request-every 400 --quiet
last=$(ls mpisnap/snap-*.h5 | tail -n 1)
echo; echo "== ./build/bin/mpisnap-inspect $last"
./build/bin/mpisnap-inspect "$last"
echo; echo "== ./build/bin/mpisnap-inspect check mpisnap/*.h5"
./build/bin/mpisnap-inspect check mpisnap/*.h5
