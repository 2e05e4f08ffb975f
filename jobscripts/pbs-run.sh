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
mpisnapjob_submit="qsub pbs-run.sh"
mpisnapjob_home=${MPISNAPJOB_HOME:-$(dirname "$0")} # qsub runs a copy: else PBS_O_WORKDIR/jobscripts
[ -f "$mpisnapjob_home/pbs-env.sh" ] || mpisnapjob_home=${PBS_O_WORKDIR:-.}/jobscripts
. "$mpisnapjob_home/pbs-env.sh" || { echo "$mpisnapjob_submit: set MPISNAPJOB_HOME to mpisnap's jobscripts folder" >&2; exit 2; }
. "$mpisnapjob_home/mpisnap-job.sh"
