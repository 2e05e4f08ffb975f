# mpisnap-job.sh — the body shared by slurm-run.sh and pbs-run.sh (sourced, not run).
# The scheduler's header sets: sched (slurm|pbs), job_id, workdir, requeued (how many
# times the scheduler says it requeued this job), mpisnapjob_home (this folder),
# mpisnapjob_submit (for messages), and for PBS nodefile; then sources this file with
# the job's arguments.
#
# It runs one MPI program under mpisnap, restarting it from its newest complete
# snapshot when it dies (a rank killed, a node lost) or the job is preempted or
# requeued, up to --restarts times in all; then it stops with a line saying so.
# SIGUSR1 to the job script (scancel --signal=USR1 --batch, sbatch --signal=B:USR1@T)
# is passed to the launcher, which passes it to every rank: one snapshot.

mpisnapjob_usage() {
  cat <<EOF
usage: $mpisnapjob_submit [options] [--] PROGRAM [ARGS...]

Runs PROGRAM (an MPI program linked with mpisnap, or any MPI program with --preload)
on the job's ranks, taking snapshots, and restarts it from the newest complete snapshot
when it fails, the job is preempted or requeued, at most --restarts times in all.

options (each also read from the environment variable shown):
  --restarts K        restarts allowed in all, 0 = none (MPISNAPJOB_RESTARTS, default 3)
  --launcher L        srun (Slurm's, with --mpi=pmix) or mpirun (MPISNAPJOB_LAUNCHER,
                      default srun under Slurm, mpirun under PBS)
  --preload           run PROGRAM under mpisnap-run: an unmodified program, snapshots for
                      inspection; it has no safe points, so a restart runs it from the
                      beginning (MPISNAPJOB_PRELOAD=1)
  --dir DIR           snapshot folder (MPISNAP_DIR, default WORKDIR/mpisnap-JOBID)
  --interval S        a snapshot every S seconds, 0 = none (MPISNAP_INTERVAL, default 60)
  --bin DIR           where mpisnap-run and mpisnap-inspect are (MPISNAPJOB_BIN, default
                      the build/bin next to jobscripts/, else PATH)
  -h, --help          this text
Without PROGRAM, MPISNAPJOB_COMMAND (split at spaces) is run: qsub passes no arguments.
Every MPISNAP_* variable (MPISNAP_ALGO, MPISNAP_KEEP, ...) reaches the program as usual.
A folder that already holds this body's restart count is a job starting again: it
resumes (MPISNAP_RESTART=latest-or-new: from the beginning if there is no snapshot yet).
SIGUSR1 to this script takes a snapshot of the running program.
EOF
}

mpisnapjob_die() { echo "mpisnap-job: $*" >&2; exit 2; }
mpisnapjob_say() { echo "mpisnap-job [$sched $job_id $(date +%H:%M:%S)]: $*"; }

restarts=${MPISNAPJOB_RESTARTS:-3}
launcher=${MPISNAPJOB_LAUNCHER:-}
preload=${MPISNAPJOB_PRELOAD:-0}
bindir=${MPISNAPJOB_BIN:-}
while [ $# -gt 0 ]; do
  case $1 in
  --restarts) [ $# -ge 2 ] || mpisnapjob_die "--restarts needs a count"; restarts=$2; shift 2 ;;
  --launcher) [ $# -ge 2 ] || mpisnapjob_die "--launcher needs srun or mpirun"; launcher=$2; shift 2 ;;
  --preload) preload=1; shift ;;
  --dir) [ $# -ge 2 ] || mpisnapjob_die "--dir needs a folder"; export MPISNAP_DIR=$2; shift 2 ;;
  --interval) [ $# -ge 2 ] || mpisnapjob_die "--interval needs seconds"; export MPISNAP_INTERVAL=$2; shift 2 ;;
  --bin) [ $# -ge 2 ] || mpisnapjob_die "--bin needs a folder"; bindir=$2; shift 2 ;;
  -h|--help) mpisnapjob_usage; exit 0 ;;
  --) shift; break ;;
  -*) mpisnapjob_die "unknown option $1 (see $mpisnapjob_submit --help)" ;;
  *) break ;;
  esac
done
[ $# -gt 0 ] || { [ -n "${MPISNAPJOB_COMMAND:-}" ] && set -- $MPISNAPJOB_COMMAND; }
[ $# -gt 0 ] || mpisnapjob_die "no program to run: give PROGRAM [ARGS...] or MPISNAPJOB_COMMAND (see --help)"
case $restarts in ''|*[!0-9]*) mpisnapjob_die "--restarts '$restarts' is not a count (0, 1, 2, ...)" ;; esac
case $preload in 0|1) ;; *) mpisnapjob_die "MPISNAPJOB_PRELOAD='$preload' is not 0 or 1" ;; esac
[ -n "$launcher" ] || { [ "$sched" = slurm ] && launcher=srun || launcher=mpirun; }
case $launcher in
srun) [ "$sched" = slurm ] || mpisnapjob_die "--launcher srun needs a Slurm job; use mpirun" ;;
mpirun) ;;
*) mpisnapjob_die "--launcher '$launcher' is not srun or mpirun" ;;
esac
if [ -z "$bindir" ]; then
  if [ -x "$mpisnapjob_home/../build/bin/mpisnap-run" ]; then bindir=$(cd "$mpisnapjob_home/../build/bin" && pwd)
  else bindir=$(dirname "$(command -v mpisnap-run 2>/dev/null || echo /nonexistent/x)"); fi
fi
[ -x "$bindir/mpisnap-run" ] || mpisnapjob_die "no mpisnap-run in '$bindir': build mpisnap or give --bin DIR"
command -v "$launcher" >/dev/null || mpisnapjob_die "$launcher is not installed on $(hostname)"

export MPISNAP_DIR=${MPISNAP_DIR:-$workdir/mpisnap-$job_id}
export MPISNAP_INTERVAL=${MPISNAP_INTERVAL:-60}
mkdir -p "$MPISNAP_DIR" || mpisnapjob_die "cannot create the snapshot folder $MPISNAP_DIR"

launch=()
case $launcher in
srun) launch=(srun --mpi=pmix --kill-on-bad-exit=1) ;;
mpirun)
  launch=(mpirun)
  # PBS: this Open MPI may lack PBS support; the node file lists one line per slot
  [ "$sched" = pbs ] && launch+=(--hostfile "$nodefile" -np "$(grep -c . "$nodefile")")
  ;;
esac
[ "$preload" = 1 ] && launch+=("$bindir/mpisnap-run" --)
launch+=("$@")

# The restarts so far are counted in the snapshot folder, so the count survives a
# requeue; a folder that has one was this job's before: the job is starting again
# (requeued, rerun, or resubmitted with the same --dir) and resumes from a snapshot.
count_file=$MPISNAP_DIR/.mpisnap-job-restarts
done_restarts=0 start_again=0
if [ -s "$count_file" ]; then
  done_restarts=$(cat "$count_file") start_again=1
  case $done_restarts in ''|*[!0-9]*) mpisnapjob_die "$count_file holds '$done_restarts', not a count: remove it" ;; esac
  mpisnapjob_say "this job ran before in $MPISNAP_DIR (requeued $requeued times by $sched)"
elif [ "$requeued" -gt 0 ]; then
  start_again=1
  mpisnapjob_say "requeued $requeued times by $sched"
fi
echo "$done_restarts" >"$count_file" || mpisnapjob_die "cannot write $count_file"

mpisnapjob_pid=
mpisnapjob_usr1() { # pass a snapshot request on to the launcher, which signals the ranks
  [ -n "$mpisnapjob_pid" ] && kill -USR1 "$mpisnapjob_pid" 2>/dev/null &&
    mpisnapjob_say "SIGUSR1: a snapshot is asked of $1"
}
trap 'mpisnapjob_usr1 "$1"' USR1

while :; do
  if [ $start_again = 1 ]; then
    done_restarts=$((done_restarts + 1))
    echo "$done_restarts" >"$count_file"
    if [ "$done_restarts" -gt "$restarts" ]; then
      mpisnapjob_say "$1 did not finish: the $restarts restarts allowed (--restarts) are used up; giving up." \
        "Its snapshots are in $MPISNAP_DIR; resubmit with the same --dir and more --restarts to go on."
      exit 3
    fi
    if [ "$preload" = 1 ]; then
      mpisnapjob_say "restart $done_restarts of $restarts: $1 runs again from the beginning (--preload: no safe points)"
    else
      export MPISNAP_RESTART=latest-or-new
      mpisnapjob_say "restart $done_restarts of $restarts: $1 resumes from the newest complete snapshot in $MPISNAP_DIR"
    fi
  else
    mpisnapjob_say "starting $* with $launcher; snapshots every $MPISNAP_INTERVAL s in $MPISNAP_DIR"
  fi
  "${launch[@]}" &
  mpisnapjob_pid=$!
  while :; do # a trapped signal ends wait early: wait again while the launcher lives
    wait "$mpisnapjob_pid"
    rc=$?
    kill -0 "$mpisnapjob_pid" 2>/dev/null || break
  done
  mpisnapjob_pid=
  [ $rc -eq 0 ] && break
  mpisnapjob_say "$1 failed (exit status $rc)"
  start_again=1
done
rm -f "$count_file" # done: a later job in this folder starts afresh
n=$(ls "$MPISNAP_DIR"/snap-*.h5 2>/dev/null | wc -l)
mpisnapjob_say "$1 finished after $done_restarts restarts; $n snapshots in $MPISNAP_DIR"
