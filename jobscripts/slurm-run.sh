#!/bin/bash
# Run an MPI program under mpisnap in a Slurm job: snapshots every MPISNAP_INTERVAL
# seconds, a restart from the newest complete snapshot when a rank dies or the job is
# preempted or requeued (at most --restarts), a snapshot on SIGUSR1. The body is
# mpisnap-job.sh, shared with pbs-run.sh; see --help.
#   sbatch -n 64 jobscripts/slurm-run.sh [--restarts K] ./app args
#   scancel --signal=USR1 --batch <jobid>      # a snapshot now (--full works too)
# --signal=B:USR1@300 asks for a snapshot 5 minutes before the time limit; --requeue lets
# Slurm requeue the job (preemption, a node failure), which then resumes from a snapshot.
#SBATCH --job-name=mpisnap-run
#SBATCH --ntasks=4
#SBATCH --time=01:00:00
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --signal=B:USR1@300
set -u
mpisnapjob_submit="sbatch slurm-run.sh"
me=$0 # sbatch runs a copy of this file: the original is the job's Command (from the submit folder)
[ "${0##*/}" != slurm_script ] || me=$(cd "$SLURM_SUBMIT_DIR" && realpath -m "$(scontrol show job "$SLURM_JOB_ID" | sed -n 's/^ *Command=\([^ ]*\).*/\1/p')")
mpisnapjob_home=${MPISNAPJOB_HOME:-$(dirname "$me")}
. "$mpisnapjob_home/slurm-env.sh" || { echo "$mpisnapjob_submit: set MPISNAPJOB_HOME to mpisnap's jobscripts folder" >&2; exit 2; }
. "$mpisnapjob_home/mpisnap-job.sh"
