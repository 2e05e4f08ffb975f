#!/bin/bash
# The PBS twin of slurm-bench.sh: the same body (mpisnap-bench.sh); qsub passes no
# arguments, so the options come in MPISNAPBENCH_ARGS (split at spaces); see --help.
#   qsub -v MPISNAPJOB_HOME=$PWD/jobscripts,MPISNAPBENCH_ARGS=--quick jobscripts/pbs-bench.sh
#PBS -N mpisnap-bench
#PBS -l select=1:ncpus=4:mpiprocs=4
#PBS -l walltime=02:00:00
#PBS -j oe
set -u
mpisnapjob_submit="qsub pbs-bench.sh"
mpisnapjob_home=${MPISNAPJOB_HOME:-$(dirname "$0")} # qsub runs a copy: else PBS_O_WORKDIR/jobscripts
[ -f "$mpisnapjob_home/pbs-env.sh" ] || mpisnapjob_home=${PBS_O_WORKDIR:-.}/jobscripts
. "$mpisnapjob_home/pbs-env.sh" || { echo "$mpisnapjob_submit: set MPISNAPJOB_HOME to mpisnap's jobscripts folder" >&2; exit 2; }
[ $# -gt 0 ] || set -- ${MPISNAPBENCH_ARGS:-}
. "$mpisnapjob_home/mpisnap-bench.sh"
