#!/usr/bin/env bash
# jobs.sh CASE BINDIR PRELOAD_APP JOBSCRIPTS WORKDIR — mpisnap's job scripts under a real
# Slurm (label cluster). BINDIR holds jacobi, mpisnap-run, mpisnap-inspect. CASE:
#  restart-srun ALGO    slurm-run.sh with srun --mpi=pmix: a rank SIGKILLed twice, each
#                       time after the restarted run wrote a newer snapshot; the job
#                       restarts itself twice and prints the uninterrupted checksum
#  restart-mpirun ALGO  the same with mpirun inside the allocation
#  giveup               --restarts 1, a rank killed twice: the job stops, exit status 3,
#                       one line saying the restarts are used up
#  requeue              scontrol requeue part-way: the job runs again (SLURM_RESTART_COUNT)
#                       and resumes from its snapshot: same checksum
#  usr1                 scancel --signal=USR1 --full (batch shell, srun, every rank) and
#                       then --batch (the shell passes it on): one snapshot each, under srun
#                       and under mpirun; the job is not harmed
#  limit                sbatch --time=1 --signal=B:USR1@55 (the job script passes it on),
#                       and --signal=USR1@55 (srun's ranks): a snapshot before the limit
#  preload              an unmodified program under mpisnap-run, with srun and with mpirun:
#                       snapshots consistent, output as without mpisnap
#  direct               no job script: srun --mpi=pmix from the shell (snapshots, a crash,
#                       MPISNAP_RESTART=latest: same checksum; mpisnap-run), and mpirun
#                       inside salloc (the same)
set -u
case=$1 bin=$2 preload_app=$3 jobscripts=$4 work=$5
shift 5
. "$(dirname "$0")/lib.sh"
find_slurm
inspect=$bin/mpisnap-inspect jacobi=$bin/jacobi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# the node offers more CPUs than the machine has: ranks must yield while they wait, and
# mpirun in the allocation must not bind two ranks that talk to the same core
export OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_btl=self,vader OMPI_MCA_hwloc_base_binding_policy=none
fresh_work "$work"
# long enough that an idle machine is still running at the second kill
args=(--n 64 --iters 200000)

reference() { # the uninterrupted run's checksum, with mpirun outside Slurm
  env -u SLURM_CONF MPISNAP_DIR="$work/ref" mpirun -np 4 "$jacobi" "${args[@]}" >"$work/ref.out" 2>&1 ||
    { tail "$work/ref.out"; fail "the uninterrupted run failed"; }
  want=$(checksum "$work/ref.out")
  [ -n "$want" ] || fail "no checksum in the uninterrupted run"
}
submit() { # name sbatch-options... -- job-args...: prints the job id
  local name=$1; shift
  local opts=()
  while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
  sbatch --parsable -n 4 -J "mpisnap-test-$name" -o "$work/$name.out" "${opts[@]}" "$jobscripts/slurm-run.sh" "$@" ||
    fail "sbatch refused the job $name"
}
finished_ok() { # job name what
  wait_job "$1"
  [ "$(job_state "$1")" = COMPLETED ] || { cat "$work/$2.out"; fail "$3: job $1 ended $(job_state "$1") $(job_exit "$1")"; }
  [ "$(checksum "$work/$2.out")" = "$want" ] ||
    { cat "$work/$2.out"; fail "$3: $(checksum "$work/$2.out"), uninterrupted $want"; }
}

kill_twice() { # job name: kill a rank after snapshot 1, and again after a newer one
  local j=$1 d=$work/mpisnap-$1 n
  wait_snapshots "$d" 1 "$j"
  kill_rank "$j" jacobi
  wait_log "$work/$2.out" "restart 1 of" "$j"
  n=$(ls "$d"/snap-*.h5 | wc -l)
  wait_snapshots "$d" $((n + 1)) "$j"
  kill_rank "$j" jacobi
}

case $case in
restart-srun|restart-mpirun)
  algo=$1 launcher=${case#restart-}
  reference
  j=$(MPISNAP_ALGO=$algo submit "$case" -- --launcher "$launcher" --interval 0.3 "$jacobi" "${args[@]}")
  kill_twice "$j" "$case"
  finished_ok "$j" "$case" "restarted twice under $launcher"
  grep -q "restart 2 of 3: .* resumes from the newest complete snapshot" "$work/$case.out" ||
    fail "the job did not say it restarted twice"
  [ "$(grep -c '^jacobi: .*(restarted)' "$work/$case.out")" -eq 1 ] ||
    fail "the program did not report exactly one restarted run that finished"
  check_all "$work/mpisnap-$j"; n=$checked
  echo "$launcher ($algo): killed twice, restarted twice, $n snapshots consistent, $want"
  ;;
giveup)
  j=$(submit giveup -- --restarts 1 --interval 0.3 "$jacobi" "${args[@]}")
  kill_twice "$j" giveup
  wait_job "$j"
  [ "$(job_state "$j")" = FAILED ] && [ "$(job_exit "$j")" = 3:0 ] ||
    fail "giving up: job ended $(job_state "$j") with $(job_exit "$j"), expected FAILED 3:0"
  line=$(grep "restarts allowed (--restarts) are used up" "$work/giveup.out") ||
    { cat "$work/giveup.out"; fail "no line says the restarts are used up"; }
  [ "$(echo "$line" | wc -l)" -eq 1 ] || fail "the giving-up line is printed more than once"
  echo "gave up as told: $line"
  ;;
requeue)
  reference
  j=$(submit requeue --requeue -- --interval 0.3 "$jacobi" "${args[@]}")
  wait_snapshots "$work/mpisnap-$j" 2 "$j"
  scontrol requeue "$j" || fail "scontrol requeue $j refused"
  # Slurm holds a requeued job back for a while (BeginTime); an administrator may start
  # it at once, and the test does
  while [ "$(job_state "$j")" != PENDING ]; do sleep 0.2; done
  scontrol update JobId="$j" StartTime=now || fail "cannot release the requeued job $j"
  echo "requeued job $j"
  finished_ok "$j" requeue "requeued"
  grep -q "requeued 1 times by slurm" "$work/requeue.out" || { cat "$work/requeue.out"; fail "the job did not see it was requeued"; }
  grep -q "^jacobi: .*(restarted)" "$work/requeue.out" || fail "the requeued job did not resume from a snapshot"
  check_all "$work/mpisnap-$j"
  echo "requeued part-way, resumed: $want ($checked snapshots consistent)"
  ;;
usr1)
  reference
  for launcher in srun mpirun; do
    name=usr1-$launcher
    # long enough to outlive both signals on an idle machine: the test ends it itself (scancel)
    j=$(submit "$name" -- --launcher "$launcher" --interval 0 "$jacobi" --n 64 --iters 5000000)
    d=$work/mpisnap-$j
    while [ "$(rank_pids "$j" jacobi | wc -l)" -lt 4 ]; do
      active "$j" || fail "$name: job ended before its 4 ranks were seen"
      sleep 0.2
    done
    sleep 1 # past MPI_Init: the handlers are set
    scancel --signal=USR1 --full "$j" || fail "scancel --signal=USR1 --full refused"
    wait_snapshots "$d" 1 "$j"
    sleep 2 # a second snapshot from the same signal would come now
    [ "$(ls "$d"/snap-*.h5 | wc -l)" -eq 1 ] || fail "$name: --full took $(ls "$d"/snap-*.h5 | wc -l) snapshots, not 1"
    scancel --signal=USR1 --batch "$j" || fail "scancel --signal=USR1 --batch refused"
    wait_snapshots "$d" 2 "$j"
    sleep 2
    [ "$(ls "$d"/snap-*.h5 | wc -l)" -eq 2 ] || fail "$name: --batch took $(( $(ls "$d"/snap-*.h5 | wc -l) - 1 )) snapshots, not 1"
    grep -q "SIGUSR1: a snapshot is asked" "$work/$name.out" || fail "$name: the job script did not pass SIGUSR1 on"
    scancel "$j"
    wait_job "$j"
    check_all "$d"
    echo "$name: scancel --signal=USR1 --full, then --batch: 2 snapshots, $checked consistent"
  done
  # the signals did not harm a job that runs to its end
  j=$(submit usr1-end -- --interval 0 "$jacobi" "${args[@]}")
  while [ -z "$(rank_pids "$j" jacobi)" ] && active "$j"; do sleep 0.2; done
  sleep 1
  scancel --signal=USR1 --full "$j" 2>/dev/null
  finished_ok "$j" usr1-end "a job signalled with USR1"
  echo "a signalled job finished with the uninterrupted checksum: $want"
  ;;
limit)
  # B: signals the job script, which passes it on (any launcher); without B:, Slurm
  # signals the ranks of the job's steps (srun's)
  for how in B:USR1 USR1; do
    name=limit-${how%%:*}
    j=$(submit "$name" --time=1 --signal=$how@55 -- --interval 0 "$jacobi" --n 64 --iters 100000000)
    wait_snapshots "$work/mpisnap-$j" 1 "$j"
    [ $how = USR1 ] || grep -q "SIGUSR1: a snapshot is asked" "$work/$name.out" ||
      fail "--signal=$how@55: the snapshot was not asked by the job script"
    scancel "$j"
    wait_job "$j"
    check_all "$work/mpisnap-$j"
    echo "sbatch --signal=$how@55: $checked snapshot before the time limit, consistent"
  done
  ;;
preload)
  env -u SLURM_CONF mpirun -np 4 "$preload_app" --rounds 3000 >"$work/plain.out" 2>&1 || fail "the plain run failed"
  for launcher in srun mpirun; do
    name=preload-$launcher
    j=$(submit "$name" -- --launcher "$launcher" --preload --interval 0.1 "$preload_app" --rounds 3000 --signal-self)
    wait_job "$j"
    [ "$(job_state "$j")" = COMPLETED ] || { cat "$work/$name.out"; fail "$name: job ended $(job_state "$j")"; }
    diff <(grep -v '^mpisnap' "$work/plain.out") <(grep -vE '^(mpisnap|mpisnap-job)' "$work/$name.out") ||
      fail "$name: the output differs from the plain run's"
    check_all "$work/mpisnap-$j"; n=$checked
    [ "$n" -ge 1 ] || fail "$name: no snapshot"
    echo "$name: mpisnap-run under $launcher, output as without mpisnap, $n snapshots consistent"
  done
  ;;
direct)
  reference
  for how in srun salloc; do
    d=$work/$how
    case $how in
    srun) name=mpisnap-test-direct run=(srun --mpi=pmix --kill-on-bad-exit=1 -n 4 -J $name) ;;
    salloc) name=mpisnap-test-salloc run=(salloc -n 4 -J $name mpirun) ;;
    esac
    # a rank is killed once a snapshot exists (not at a fixed iteration: on a fast machine
    # that came before the first snapshot)
    MPISNAP_DIR=$d MPISNAP_INTERVAL=0.3 "${run[@]}" "$jacobi" "${args[@]}" >"$d.1.out" 2>&1 &
    launcher=$!
    while ! j=$(squeue -h -n "$name" -o %A 2>/dev/null | head -n 1) || [ -z "$j" ]; do
      kill -0 $launcher 2>/dev/null || { cat "$d.1.out"; fail "$how: the run ended before Slurm showed its job"; }
      sleep 0.2
    done
    wait_snapshots "$d" 1 "$j"
    kill_rank "$j" jacobi $launcher
    wait $launcher && { cat "$d.1.out"; fail "$how: the run whose rank was killed exited 0"; }
    check_all "$d"; n=$checked
    MPISNAP_DIR=$d MPISNAP_RESTART=latest "${run[@]}" "$jacobi" "${args[@]}" >"$d.2.out" 2>&1 ||
      { tail "$d.2.out"; fail "$how: the restart failed"; }
    grep -q "^jacobi: .*(restarted)" "$d.2.out" || fail "$how: the run did not restart"
    [ "$(checksum "$d.2.out")" = "$want" ] || fail "$how: restarted $(checksum "$d.2.out"), uninterrupted $want"
    env -u SLURM_CONF mpirun -np 4 "$preload_app" --rounds 2000 >"$work/plain.out" 2>&1 || fail "the plain run failed"
    MPISNAP_DIR=$d.run "${run[@]}" "$bin/mpisnap-run" --interval 0.1 -- "$preload_app" --rounds 2000 --signal-self >"$d.run.out" 2>&1 ||
      { tail "$d.run.out"; fail "$how: mpisnap-run failed"; }
    diff <(grep -v '^mpisnap' "$work/plain.out") <(grep -vE '^(mpisnap|salloc)' "$d.run.out") ||
      fail "$how: mpisnap-run's output differs from the plain run's"
    check_all "$d.run"
    echo "$how: crashed after $n consistent snapshots, restarted: $want; mpisnap-run: $checked snapshots consistent, same output"
  done
  ;;
*) fail "unknown case $case" ;;
esac
