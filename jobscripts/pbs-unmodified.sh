#!/bin/bash
# PBS example: an unmodified MPI program under mpisnap-run; SIGUSR1 to any rank (e.g.
# `pkill -USR1 -f your_program` on one node) takes a snapshot. Submit with: qsub jobscripts/pbs-unmodified.sh
#PBS -N mpisnap-app
#PBS -l select=2:ncpus=16:mpiprocs=16
#PBS -l walltime=01:00:00
set -euo pipefail
cd "$PBS_O_WORKDIR"
MPISNAP=${MPISNAP:-$PWD/build}
mpirun "$MPISNAP/bin/mpisnap-run" --dir "$PWD/mpisnap-$PBS_JOBID" --hang-timeout 120 -- ./your_program
