#!/usr/bin/env bash
# Install the Debian packages mpisnap needs (build, tests, tools). Idempotent.
set -euo pipefail
pkgs=(build-essential cmake pkg-config python3 gfortran libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools libcunit1-dev libxxhash-dev xxhash procps netpipe-openmpi hpcc mumps-test graphviz valgrind)
pkgs+=(iproute2)   # ip: the emulated hosts of tests/hosts (network namespaces, a bridge, veth pairs)
# the HTML report is opened in a real headless browser; the docs/PYTHON.md recipe needs
# h5py and numpy (issue 12)
pkgs+=(chromium python3-h5py python3-numpy)
# named stacks: mpisnap-inspect names frames offline with elfutils' libdw
pkgs+=(libdw-dev libelf-dev)
# the cluster tests' single-host Slurm (scripts/slurm-cluster.sh) and the benchmark plots
pkgs+=(munge slurmctld slurmd slurm-client python3-matplotlib)
# the fuzz targets (tests/fuzz): clang and its libFuzzer run-time; one style for the C
# sources (clang-format, checked by tools.format)
pkgs+=(clang libclang-rt-14-dev clang-format)
# faultfs (tests/faults), the FUSE file system whose writes fail or hang in the fault
# tests; fusermount3 unmounts it
pkgs+=(libfuse3-dev fuse3)
# a real application the tests run unmodified; its documentation and examples (what
# apt would add as recommended, 50 MB) are not needed
pkgs_bare=(lammps)
# installed, not merely known to dpkg (a removed package keeps its configuration files)
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
missing=() missing_bare=()
for p in "${pkgs[@]}"; do installed "$p" || missing+=("$p"); done
for p in "${pkgs_bare[@]}"; do installed "$p" || missing_bare+=("$p"); done
if [ $((${#missing[@]} + ${#missing_bare[@]})) -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ${#missing_bare[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing_bare[@]}" >/dev/null
  fi
  echo "installed: ${missing[*]} ${missing_bare[*]}"
fi
