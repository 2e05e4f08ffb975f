# pbs-env.sh — what a PBS job tells mpisnap's job scripts (sourced by pbs-run.sh and
# pbs-bench.sh before their body): sched, job_id, workdir, nodefile, requeued. A rerun
# is recognised by its snapshot folder (mpisnap-job.sh), so requeued is 0.
sched=pbs
if [ -z "${PBS_JOBID:-}" ] || [ -z "${PBS_NODEFILE:-}" ]; then
  case ${1:-} in -h|--help) ;; *) echo "$mpisnapjob_submit: not in a PBS job (no PBS_JOBID or PBS_NODEFILE): submit it with qsub" >&2; exit 2 ;; esac
fi
job_id=${PBS_JOBID:-none}
nodefile=${PBS_NODEFILE:-}
workdir=${PBS_O_WORKDIR:-$PWD}
cd "$workdir" || { echo "$mpisnapjob_submit: cannot enter PBS_O_WORKDIR '$workdir'" >&2; exit 2; }
[ -z "$nodefile" ] || [ -r "$nodefile" ] || { echo "$mpisnapjob_submit: PBS_NODEFILE '$nodefile' cannot be read" >&2; exit 2; }
requeued=0
