# stop_job.sh - sourced by the tests that run a job in the background (run_broken.sh,
# named_stacks.sh). stop_job stops the job whose pid is $job: its process group
# (setsid made it one), then any process of the program that left the group (those
# whose command line is "$prog $dir ...": the job's own, even when other tests run the
# same program), and waits up to 5 s for them to be gone. Idempotent; the tests call
# it on every exit.
job=
stop_job() {
  [ -n "$job" ] || return 0
  kill -TERM -- "-$job" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$job" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$job" 2>/dev/null
  wait "$job" 2>/dev/null
  job=
  for _ in $(seq 50); do
    pkill -KILL -f "^$prog $dir( |\$)" 2>/dev/null || break
    sleep 0.1
  done
}
