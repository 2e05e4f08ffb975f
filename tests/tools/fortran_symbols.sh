#!/usr/bin/env bash
# fortran_symbols.sh LIBMPISNAP SYMBOLS F08LIB
# Every call of lib/interpose/mpi_calls.txt is interposed in C and in each Fortran
# binding: libmpisnap exports each name of SYMBOLS (gen_wrappers.py's list: "C|F|F08
# name" a line), and Open MPI's mpi_f08 library (F08LIB) reaches mpisnap for each call:
# its mpi_x_f08_ is mpisnap's own, or it calls ompi_x_f, which mpisnap exports. A new
# Open MPI that routed a call another way fails here, naming the call.
set -u
lib=$1 symbols=$2 f08=$3
fail=0
ours=$(nm -D --defined-only "$lib" | awk '$2 == "T" || $2 == "W" {print $3}' | sort -u)
has() { grep -qx -- "$1" <<<"$ours"; }
n=0
while read -r kind sym; do
  n=$((n + 1))
  has "$sym" || { echo "FAIL: libmpisnap does not export $sym ($kind)"; fail=1; }
done <"$symbols"
f08_defined=$(nm -D --defined-only "$f08" | awk '{print $3}')
f08_imported=$(nm -D --undefined-only "$f08" | awk '{print $2}')
calls=0
for c in $(awk '$1 == "C" {sub("^MPI_", "", $2); print tolower($2)}' "$symbols"); do
  calls=$((calls + 1))
  grep -qx "mpi_${c}_f08_" <<<"$f08_defined" || continue # not in this mpi_f08 (or not an MPI-3 call)
  has "mpi_${c}_f08_" && continue
  grep -qx "ompi_${c}_f" <<<"$f08_imported" && has "ompi_${c}_f" && continue
  echo "FAIL: use mpi_f08's MPI_${c} reaches neither mpi_${c}_f08_ nor ompi_${c}_f of mpisnap"
  fail=1
done
[ $fail -eq 0 ] || exit 1
echo "$n symbols exported for $calls calls; every call reaches mpisnap from mpif.h, use mpi and use mpi_f08"
