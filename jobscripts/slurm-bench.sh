#!/bin/bash
# mpisnap's benchmark campaign as a Slurm job: idle overhead, snapshot cost against
# ranks, snapshot and restart bandwidth against dd, over a matrix; one CSV per benchmark
# and PNG/SVG plots in one folder. The body is mpisnap-bench.sh, shared with
# pbs-bench.sh and bench/campaign.sh; see --help. On a shared cluster add --exclusive.
#   sbatch jobscripts/slurm-bench.sh [--quick] [--ranks "2 4 8 16 32"] [--out DIR]
#SBATCH --job-name=mpisnap-bench
#SBATCH --nodes=1
#SBATCH --ntasks=4
#SBATCH --time=02:00:00
set -u
mpisnapjob_submit="sbatch slurm-bench.sh"
me=$0 # sbatch runs a copy of this file: the original is the job's Command (from the submit folder)
[ "${0##*/}" != slurm_script ] || me=$(cd "$SLURM_SUBMIT_DIR" && realpath -m "$(scontrol show job "$SLURM_JOB_ID" | sed -n 's/^ *Command=\([^ ]*\).*/\1/p')")
mpisnapjob_home=${MPISNAPJOB_HOME:-$(dirname "$me")}
. "$mpisnapjob_home/slurm-env.sh" || { echo "$mpisnapjob_submit: set MPISNAPJOB_HOME to mpisnap's jobscripts folder" >&2; exit 2; }
. "$mpisnapjob_home/mpisnap-bench.sh"
