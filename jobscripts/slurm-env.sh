# slurm-env.sh — what a Slurm job tells mpisnap's job scripts (sourced by slurm-run.sh
# and slurm-bench.sh before their body): sched, job_id, workdir, requeued.
sched=slurm
if [ -z "${SLURM_JOB_ID:-}" ]; then
  case ${1:-} in -h|--help) ;; *) echo "$mpisnapjob_submit: not in a Slurm job: submit it with sbatch (or run it inside salloc)" >&2; exit 2 ;; esac
fi
job_id=${SLURM_JOB_ID:-none}
workdir=${SLURM_SUBMIT_DIR:-$PWD}
requeued=${SLURM_RESTART_COUNT:-0}
