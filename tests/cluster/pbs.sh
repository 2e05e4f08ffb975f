#!/usr/bin/env bash
# pbs.sh BINDIR JOBSCRIPTS WORKDIR — pbs-run.sh under a faked PBS job (Debian has no PBS
# server): PBS_JOBID, PBS_NODEFILE (this host, one line per slot), PBS_O_WORKDIR set as
# PBS sets them, the program in MPISNAPJOB_COMMAND as qsub -v passes it, no arguments.
# The body is the one slurm-run.sh runs; here with mpirun on the node file's hosts:
#  - a rank SIGKILLed twice: the job restarts itself twice, same checksum as uninterrupted;
#  - SIGUSR1 to the job script (qsig -s USR1): one snapshot;
#  - a missing PBS_NODEFILE, an unreadable one, --launcher srun: one line each, exit 2.
set -u
bin=$1 jobscripts=$2 work=$3
. "$(dirname "$0")/lib.sh"
inspect=$bin/mpisnap-inspect jacobi=$bin/jacobi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_btl=self,vader OMPI_MCA_hwloc_base_binding_policy=none
unset SLURM_JOB_ID SLURM_JOBID SLURM_NODELIST # not inside a Slurm job
fresh_work "$work"
# long enough that an idle machine is still running at the second kill
args="--n 64 --iters 200000"
MPISNAP_DIR=$work/ref mpirun -np 4 "$jacobi" $args >"$work/ref.out" 2>&1 || { tail "$work/ref.out"; fail "the uninterrupted run failed"; }
want=$(checksum "$work/ref.out")
for _ in 1 2 3 4; do hostname; done >"$work/nodefile"

pbs_job() { # jobid extra-env...: runs pbs-run.sh as PBS would, in the background
  local id=$1; shift
  env PBS_JOBID="$id" PBS_NODEFILE="$work/nodefile" PBS_O_WORKDIR="$work" PBS_ENVIRONMENT=PBS_BATCH \
    MPISNAPJOB_HOME="$jobscripts" "$@" bash "$jobscripts/pbs-run.sh" >"$work/$id.out" 2>&1 &
  job=$!
}
ranks() { # the job's ranks: the children of its mpirun
  local m
  m=$(pgrep -P "$job" -x mpirun) && pgrep -P "$m" -x jacobi
}
alive() { kill -0 "$job" 2>/dev/null || { cat "$work/$1.out"; fail "$1 ended early"; }; }
wait_snaps() { # id n
  while [ "$(ls "$work/mpisnap-$1"/snap-*.h5 2>/dev/null | wc -l)" -lt "$2" ]; do alive "$1"; sleep 0.2; done
}
kill_one() { # id
  local r
  while r=$(ranks | sort -n | tail -n 1); [ -z "$r" ]; do alive "$1"; sleep 0.2; done
  kill -9 "$r"
}

# restarted twice
pbs_job 101.fakepbs MPISNAP_INTERVAL=0.3 MPISNAPJOB_COMMAND="$jacobi $args"
wait_snaps 101.fakepbs 1
kill_one 101.fakepbs
while ! grep -q "restart 1 of 3" "$work/101.fakepbs.out"; do alive 101.fakepbs; sleep 0.2; done
n=$(ls "$work/mpisnap-101.fakepbs"/snap-*.h5 | wc -l)
wait_snaps 101.fakepbs $((n + 1))
kill_one 101.fakepbs
wait $job || { cat "$work/101.fakepbs.out"; fail "the PBS job failed"; }
grep -q "mpisnap-job \[pbs 101.fakepbs .*restart 2 of 3" "$work/101.fakepbs.out" || fail "the PBS job did not restart twice"
[ "$(checksum "$work/101.fakepbs.out")" = "$want" ] ||
  fail "PBS job restarted twice: $(checksum "$work/101.fakepbs.out"), uninterrupted $want"
check_all "$work/mpisnap-101.fakepbs"
echo "pbs-run.sh, mpirun on PBS_NODEFILE: killed twice, restarted twice, $checked snapshots consistent, $want"

# SIGUSR1 to the job script: one snapshot
pbs_job 102.fakepbs MPISNAPJOB_COMMAND="$jacobi --n 64 --iters 150000" MPISNAPJOB_RESTARTS=0 MPISNAP_INTERVAL=0
while [ "$(ranks | wc -l)" -lt 4 ]; do alive 102.fakepbs; sleep 0.2; done
sleep 1
kill -USR1 "$job"
wait_snaps 102.fakepbs 1
sleep 2
[ "$(ls "$work/mpisnap-102.fakepbs"/snap-*.h5 | wc -l)" -eq 1 ] || fail "SIGUSR1 to the PBS job script: not exactly one snapshot"
kill -TERM "$(pgrep -P "$job" -x mpirun)"
wait $job
check_all "$work/mpisnap-102.fakepbs"
echo "SIGUSR1 to pbs-run.sh: $checked snapshot, consistent"

refused() { # what text command...
  local what=$1 text=$2 out rc; shift 2
  out=$("$@" 2>&1)
  rc=$?
  [ $rc -eq 2 ] || { echo "$out"; fail "$what: exit status $rc, not 2"; }
  [ "$(echo "$out" | grep -cF -- "$text")" -eq 1 ] || { echo "$out"; fail "$what: no single line '$text'"; }
  echo "refused ($what): $(echo "$out" | grep -F -- "$text")"
}
refused "no PBS_NODEFILE" "not in a PBS job (no PBS_JOBID or PBS_NODEFILE)" \
  env PBS_JOBID=103 MPISNAPJOB_COMMAND="$jacobi" bash "$jobscripts/pbs-run.sh"
refused "unreadable PBS_NODEFILE" "PBS_NODEFILE '$work/none' cannot be read" \
  env PBS_JOBID=104 PBS_NODEFILE="$work/none" PBS_O_WORKDIR="$work" MPISNAPJOB_COMMAND="$jacobi" bash "$jobscripts/pbs-run.sh"
refused "srun under PBS" "--launcher srun needs a Slurm job; use mpirun" \
  env PBS_JOBID=105 PBS_NODEFILE="$work/nodefile" PBS_O_WORKDIR="$work" bash "$jobscripts/pbs-run.sh" --launcher srun "$jacobi"
refused "bad --restarts" "--restarts 'many' is not a count" \
  env PBS_JOBID=106 PBS_NODEFILE="$work/nodefile" PBS_O_WORKDIR="$work" bash "$jobscripts/pbs-run.sh" --restarts many "$jacobi"
refused "no program" "no program to run" \
  env PBS_JOBID=107 PBS_NODEFILE="$work/nodefile" PBS_O_WORKDIR="$work" bash "$jobscripts/pbs-run.sh"
