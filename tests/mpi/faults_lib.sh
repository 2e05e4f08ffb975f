# faults_lib.sh - what the fault tests share (faults.sh: a tmpfs; faults_io.sh: EIO, a
# quota and a hang through faultfs, chmod under an unprivileged user). Sourced after the
# caller has set
#   inspect bank plain work   mpisnap-inspect, bank, bank without mpisnap, a scratch folder
#   mpiexec npflag            how jobs start
# and, optionally, the array `as` (a command prefix such as `runuser -u nobody --`: the
# jobs run through it). Bank runs on 4 ranks with a snapshot every 20 ms, MPISNAP_ALGO
# from the environment.
fail() { echo "FAIL: $*"; exit 1; }
as=()
args=(--transfers 8000 --seed 5 --quiet)

# faults_want: the balances of the run without mpisnap, into $want
faults_want() {
  want=$("$mpiexec" "$npflag" 4 "$plain" "${args[@]}" | tail -n 2)
  [ -n "$want" ] || fail "the run without mpisnap printed nothing"
}

# wait_for FILE PATTERN [N]: until N lines (default 1) of FILE match PATTERN (grep's, at most
# 60 s), 1 if they never do
wait_for() {
  local i
  for i in $(seq 1200); do [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] && return 0; sleep 0.05; done
  return 1
}
# start NAME DIR [VAR=VALUE...]: bank in the background, snapshots into DIR; its
# output in $work/NAME.*
start() {
  local name=$1 dir=$2; shift 2
  "${as[@]}" env MPISNAP_DIR="$dir" MPISNAP_INTERVAL=0.02 "$@" "$mpiexec" "$npflag" 4 "$bank" "${args[@]}" \
    >"$work/$name.out" 2>"$work/$name.err" &
  job=$!
}
# finish NAME DIR CAUSE [optional]: the job's exit, answer, one line for CAUSE (with
# `optional`, none at all is right too: the fault may have failed no snapshot), files
finish() {
  local name=$1 dir=$2 cause=$3 least=1 rc n f
  [ "${4:-}" = optional ] && least=0
  wait "$job"; rc=$?
  [ $rc -eq 0 ] || { tail -n 5 "$work/$name.err"; fail "$name: the job exited with $rc"; }
  [ "$(tail -n 2 "$work/$name.out")" = "$want" ] || fail "$name: the balances differ from the run without mpisnap"
  # one line when a cause starts failing snapshots; again only after files were
  # written again in between
  n=$(grep -c -- "error: .*$cause" "$work/$name.err")
  again=$(grep -c "files are written again" "$work/$name.err")
  [ "$n" -ge $least ] && { [ "$n" -eq "$again" ] || [ "$n" -eq $((again + 1)) ]; } ||
    { grep -- "$cause\|written again" "$work/$name.err" | head -n 5; fail "$name: '$cause' said $n times for $again recoveries"; }
  ! grep -q "internal:" "$work/$name.err" || fail "$name: the library reported an internal error"
  ! ls "$dir"/*.part >/dev/null 2>&1 || fail "$name: partial files left: $(ls "$dir"/*.part)"
  files=0
  for f in "$dir"/snap-*.h5; do
    [ -e "$f" ] || continue
    "$inspect" check "$f" >/dev/null || fail "$name: $f is not consistent"
    files=$((files + 1))
  done
  local said="no snapshot failed"
  [ "$n" -eq 0 ] || said="'${cause:-error}' said $n times for $again recoveries ($(grep -m1 -- "error: .*$cause" \
    "$work/$name.err" | sed 's/^.*\.part: //; s/; the job goes on.*//'))"
  echo "$name: exit 0, same balances, $said; $files consistent snapshots left"
}
