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
sched=slurm
mpisnapjob_submit="sbatch slurm-run.sh"
if [ -n "${SLURM_JOB_ID:-}" ] && [ "${0##*/}" = slurm_script ]; then
  # sbatch runs a copy of this file: the original, with mpisnap-job.sh beside it, is
  # the job's Command, relative to the folder it was submitted from
  cmd=$(scontrol show job "$SLURM_JOB_ID" | sed -n 's/^ *Command=//p' | head -n 1)
  case $cmd in /*) ;; *) cmd=$SLURM_SUBMIT_DIR/$cmd ;; esac
  [ -f "$cmd" ] || cmd=${cmd%% *}
  mpisnapjob_home=${MPISNAPJOB_HOME:-$(dirname "$cmd")}
else
  mpisnapjob_home=${MPISNAPJOB_HOME:-$(dirname "$0")}
fi
[ -f "$mpisnapjob_home/mpisnap-job.sh" ] ||
  { echo "slurm-run.sh: no mpisnap-job.sh in '$mpisnapjob_home': set MPISNAPJOB_HOME to mpisnap's jobscripts folder" >&2; exit 2; }
if [ -z "${SLURM_JOB_ID:-}" ]; then
  case ${1:-} in -h|--help) ;; *) echo "slurm-run.sh: not in a Slurm job: submit it with sbatch (or run it inside salloc)" >&2; exit 2 ;; esac
fi
job_id=${SLURM_JOB_ID:-none}
workdir=${SLURM_SUBMIT_DIR:-$PWD}
requeued=${SLURM_RESTART_COUNT:-0}
. "$mpisnapjob_home/mpisnap-job.sh"
