# lib.sh — what the cluster tests share (sourced). They submit mpisnap's job scripts to
# a real Slurm: the one scripts/slurm-cluster.sh starts (scripts/test.sh does), or the
# one SLURM_CONF or the machine's own configuration names. Without a Slurm that
# answers, a test exits 77 (ctest: skipped) saying why.
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

find_slurm() {
  local own=${MPISNAP_SLURM_HOME:-/run/mpisnap-slurm}
  # scripts/slurm-cluster.sh's cluster, when it runs and SLURM_CONF names no other
  if [ -z "${SLURM_CONF:-}" ] && [ -s "$own/slurmctld.pid" ] && kill -0 "$(cat "$own/slurmctld.pid")" 2>/dev/null; then
    export SLURM_CONF=$own/slurm.conf
  fi
  command -v sbatch >/dev/null || skip "Slurm's clients are not installed (scripts/setup-deps.sh installs them)"
  local why
  why=$(sinfo -h -o %t 2>&1) ||
    skip "no Slurm answers (${SLURM_CONF:-the default configuration}): start one with scripts/slurm-cluster.sh start (root); sinfo said: $(echo "$why" | tail -n 1)"
  echo "$why" | grep -qE '^(idle|mix|alloc)' ||
    skip "the Slurm of ${SLURM_CONF:-the default configuration} has no usable node (sinfo: $(echo $why))"
}

# job_state JOB: its state (RUNNING, PENDING, COMPLETED, FAILED, ...)
job_state() { scontrol show job -o "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
job_exit() { scontrol show job -o "$1" 2>/dev/null | grep -o ' ExitCode=[0-9:]*' | cut -d= -f2; }
# active JOB: it has not ended (an empty answer, scontrol busy, counts as not ended:
# ctest's TIMEOUT bounds every test, not these loops)
active() {
  case $(job_state "$1") in
  ""|PENDING|RUNNING|CONFIGURING|COMPLETING|REQUEUED|REQUEUE_HOLD|REQUEUE_FED|RESIZING|SUSPENDED|SIGNALING|STAGE_OUT) return 0 ;;
  esac
  return 1
}
wait_job() { while active "$1"; do sleep 0.5; done; }
# wait_snapshots DIR N JOB: until DIR holds at least N snapshot files; fails if the job ends first
wait_snapshots() {
  while [ "$(ls "$1"/snap-*.h5 2>/dev/null | wc -l)" -lt "$2" ]; do
    active "$3" || fail "job $3 ended ($(job_state "$3")) before $1 held $2 snapshots"
    sleep 0.2
  done
}
# wait_log FILE TEXT JOB: until FILE has a line with TEXT (fixed string)
wait_log() {
  while ! grep -qF -- "$2" "$1" 2>/dev/null; do
    active "$3" || { cat "$1"; fail "job $3 ended before its output said '$2'"; }
    sleep 0.2
  done
}
# rank_pids JOB PROGRAM: the pids of the job's processes that run PROGRAM (its ranks)
rank_pids() {
  local p
  for p in $(scontrol listpids "$1" 2>/dev/null | awk 'NR > 1 { print $1 }'); do
    [ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$2" ] && echo "$p"
  done
}
# child_pids PID PROGRAM: the pids of PID's descendants that run PROGRAM (the ranks an
# mpirun in an allocation started on its own host, outside any Slurm step)
child_pids() {
  ps -e -o pid=,ppid=,comm= | awk -v top="$1" -v prog="$2" '
    { parent[$1] = $2; comm[$1] = $3 }
    END { for (p in parent) if (comm[p] == prog) for (q = parent[p]; q > 1; q = parent[q]) if (q == top) { print p; break } }'
}
# kill_rank JOB PROGRAM [LAUNCHER]: SIGKILL one rank (the highest pid) of the job's running
# program, a process of the job's steps or, with LAUNCHER, one it started
kill_rank() {
  local pids
  while pids=$({ rank_pids "$1" "$2"; [ -z "${3:-}" ] || child_pids "$3" "$2"; } | sort -nu); [ -z "$pids" ]; do
    active "$1" || fail "job $1 ended before a rank of $2 could be killed"
    sleep 0.2
  done
  kill -9 "$(echo "$pids" | tail -n 1)"
  echo "killed rank pid $(echo "$pids" | tail -n 1) of job $1"
}
# check_all DIR: every snapshot in DIR is consistent (mpisnap-inspect check), at least
# one; sets checked to their number (not in $(...): a failure must end the test)
check_all() {
  local f
  checked=0
  for f in "$1"/snap-*.h5; do
    [ -e "$f" ] || fail "no snapshot in $1"
    "$inspect" check "$f" >/dev/null || { "$inspect" check "$f" | tail -n 5; fail "$f is not consistent"; }
    checked=$((checked + 1))
  done
}
# fresh_work DIR: an empty work folder; only one this file made before is removed
fresh_work() {
  [ ! -e "$1" ] || [ -e "$1/.mpisnap-cluster-test" ] || fail "$1 exists and is not a cluster test's folder: not removing it"
  rm -rf "$1" && mkdir -p "$1" && touch "$1/.mpisnap-cluster-test" && cd "$1" || fail "cannot make $1"
}
checksum() { grep '^checksum:' "$1" | tail -n 1; }
