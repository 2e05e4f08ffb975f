#!/bin/bash
# Slurm example: a bank job taking a snapshot every 30 s with Lai-Yang, files in the
# job's directory; then check every snapshot. Submit with: sbatch jobscripts/slurm-bank.sh
#SBATCH --job-name=mpisnap-bank
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=16
#SBATCH --time=00:30:00
set -euo pipefail
MPISNAP=${MPISNAP:-$PWD/build}
export MPISNAP_ALGO=ly MPISNAP_INTERVAL=30 MPISNAP_DIR=$PWD/mpisnap-$SLURM_JOB_ID
srun "$MPISNAP/bin/bank" --transfers 2000000
"$MPISNAP/bin/mpisnap-inspect" check "$MPISNAP_DIR"/snap-*.h5
