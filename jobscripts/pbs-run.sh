#!/bin/bash
# The PBS twin of slurm-run.sh: the same body (mpisnap-job.sh), the launcher mpirun on
# the hosts of PBS_NODEFILE. qsub passes no arguments, so the program comes in
# MPISNAPJOB_COMMAND; see --help.
#   qsub -v MPISNAPJOB_COMMAND="./app args",MPISNAPJOB_HOME=$PWD/jobscripts jobscripts/pbs-run.sh
#   qsig -s USR1 <jobid>                        # a snapshot now
# -r y lets PBS rerun the job (a node failure, preemption): it resumes from a snapshot.
#PBS -N mpisnap-run
#PBS -l select=1:ncpus=4:mpiprocs=4
#PBS -l walltime=01:00:00
#PBS -r y
#PBS -j oe
set -u
sched=pbs
mpisnapjob_submit="qsub pbs-run.sh"
if [ -z "${PBS_JOBID:-}" ] || [ -z "${PBS_NODEFILE:-}" ]; then
  case ${1:-} in -h|--help) ;; *) echo "pbs-run.sh: not in a PBS job (no PBS_JOBID or PBS_NODEFILE): submit it with qsub" >&2; exit 2 ;; esac
fi
# qsub runs a copy of this file: mpisnap-job.sh is found through MPISNAPJOB_HOME, else
# beside this file, else in PBS_O_WORKDIR/jobscripts
mpisnapjob_home=${MPISNAPJOB_HOME:-$(dirname "$0")}
[ -f "$mpisnapjob_home/mpisnap-job.sh" ] || mpisnapjob_home=${PBS_O_WORKDIR:-.}/jobscripts
[ -f "$mpisnapjob_home/mpisnap-job.sh" ] ||
  { echo "pbs-run.sh: no mpisnap-job.sh in '$mpisnapjob_home': qsub -v MPISNAPJOB_HOME=<mpisnap's jobscripts folder>" >&2; exit 2; }
job_id=${PBS_JOBID:-none}
nodefile=${PBS_NODEFILE:-}
workdir=${PBS_O_WORKDIR:-$PWD}
cd "$workdir" || { echo "pbs-run.sh: cannot enter PBS_O_WORKDIR '$workdir'" >&2; exit 2; }
[ -z "$nodefile" ] || [ -r "$nodefile" ] || { echo "pbs-run.sh: PBS_NODEFILE '$nodefile' cannot be read" >&2; exit 2; }
requeued=0 # a rerun is recognised by its snapshot folder (mpisnap-job.sh)
. "$mpisnapjob_home/mpisnap-job.sh"
