#!/usr/bin/env bash
# public_mumps.sh INSPECT RUN DSIMPLETEST WORKDIR [N] -- MPIEXEC NPFLAG
# A Fortran MPI application nobody here wrote: MUMPS, the parallel sparse direct solver
# (Debian's mumps-test: /usr/lib/mumps/dsimpletest, MUMPS's own example driver, on
# libdmumps-5.5), unmodified, 4 ranks, under mpisnap-run with a snapshot every 50 ms
# (MPISNAP_ALGO from the environment). Every MPI call it makes goes through Open MPI's
# Fortran bindings (mpi_isend_, mpi_iprobe_ on any source and tag, mpi_recv_,
# mpi_get_count_, mpi_test_, mpi_bcast_, ...): the factorization is a
# dynamically scheduled exchange of packed contribution blocks between the ranks.
# It reads an N^3 system on stdin (mumps_matrix.awk beside this script makes it, N = 28
# unless given: 21952 unknowns, 4-5 s on 2 cores), which MUMPS solves exactly, so the
# solution and MUMPS's statistics must be bit-identical to a run without mpisnap; every
# snapshot must be consistent and at least one hold messages in transit (run_check.sh,
# beside this script, checks all that; its output is cut to 300 characters a line, as
# the solution is one line of 21952 numbers).
set -u
here=$(cd "$(dirname "$0")" && pwd)
inspect=$1 runner=$2 dsimpletest=$3 work=$4; shift 4
n=28
if [ "$1" != "--" ]; then n=$1; shift; fi
shift
mpiexec=$1 npflag=$2
rm -rf "$work" && mkdir -p "$work"
awk -v n="$n" -f "$here/mumps_matrix.awk" >"$work/input" || { echo "FAIL: cannot write the input"; exit 1; }
# the lines that do not depend on timing or on the dynamic scheduling: the solution,
# the error codes, the sizes of the factors, the operation counts, the scaling's error
same='Solution is|INFOG ?\((1|2|9|11|12|13|29)\) |Operations|Max difference from 1'
# dsimpletest reads stdin on rank 0: mpiexec forwards its own, redirected by sh
# shellcheck disable=SC2016
"$here/run_check.sh" --inspect "$inspect" --dir "$work/snaps" --min 3 --transit --same-lines "$same" \
  --same-as sh -c 'exec "$@" <"$0"' "$work/input" "$mpiexec" "$npflag" 4 "$dsimpletest" --end \
  -- sh -c 'exec "$@" <"$0"' "$work/input" "$mpiexec" "$npflag" 4 "$runner" --interval 0.05 -- "$dsimpletest" 2>&1 |
  cut -c1-300
rc=${PIPESTATUS[0]}
# and the solution is the exact one, x(r) = 1 + (37 r mod 9), whatever the timing
[ "$rc" -ne 0 ] || awk -v N=$((n * n * n)) '/Solution is/ { sub(/.*Solution is/, "")
    if (NF != N) bad = 1
    for (r = 1; r <= NF; r++) if ($r != 1 + (37 * r) % 9 || $r !~ /^[1-9]\.0000000000000000$/) bad = 1
    seen = 1 }
  END { exit !(seen && !bad) }' "$work/snaps/stdout" ||
  { echo "FAIL: MUMPS's solution is not the exact one"; rc=1; }
exit "$rc"
