#!/usr/bin/env bash
# bad_options.sh INSPECT RUN RING WORK -- MPIEXEC NPFLAG - the error path of every
# setting and every tool option: a non-zero exit (never a signal) and one line naming
# the problem and what is accepted.
#  - mpisnap-run: every option listed by its --help (derived from that list, so a new
#    setting is covered when it appears there) with a bad value, and without a value;
#    an unknown option, no program, a program that does not exist;
#  - every MPISNAP_* variable with a bad value, in a program linked with mpisnap
#    (ring, 2 ranks): the job fails and the line is said once (not once per rank);
#  - mpisnap-inspect: each usage error and a file that is missing or not a file.
set -u
inspect=$1 runner=$2 ring=$3 work=$4; shift 5
mpiexec=$1 npflag=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" || exit 2
n=0
# expect TEXT -- COMMAND...: fails unless COMMAND exits 1..127 with exactly one line on
# stderr, containing TEXT
expect() {
  local text=$1; shift 2
  "$@" >"$work/out" 2>"$work/err" </dev/null
  local rc=$?
  [ $rc -ne 0 ] || fail "'$*' succeeded"
  [ $rc -lt 128 ] || fail "'$*' was killed by signal $((rc - 128))"
  [ "$(wc -l <"$work/err")" -eq 1 ] || { cat "$work/err" >&2; fail "'$*': not exactly one line on stderr"; }
  grep -qF -- "$text" "$work/err" || { cat "$work/err" >&2; fail "'$*' does not say '$text'"; }
  n=$((n + 1))
  echo "ok ($rc): $* -> $(cat "$work/err")"
}
# a value each kind of setting refuses, by what it accepts
bad_value() {
  case "$1" in
    *"cl|ly"*|*"error|warn"*|*"private|group"*) echo "bogus" ;;
    "0|1") echo "2" ;;
    seconds*) echo "soon" ;;
    "a count"*) echo "-1" ;;
    bytes*) echo "99999999999" ;;
    "a directory path") echo "" ;;
    latest*) echo "$work/missing.h5" ;;
    *) fail "no bad value known for settings accepting '$1': add one to bad_options.sh" ;;
  esac
}
options=$("$runner" --help | sed -nE 's/^  (--[a-z-]+) +sets (MPISNAP_[A-Z_]+) \((.*)\)$/\1 \2 \3/p')
[ "$(echo "$options" | wc -l)" -ge 10 ] || fail "mpisnap-run --help lists fewer than 10 settings"
while read -r flag var acc; do
  v=$(bad_value "$acc")
  case "$var" in
    MPISNAP_RESTART) want="$v: No such file or directory" ;;
    *) want="$var='$v' is not valid: expected $acc" ;;
  esac
  expect "$want" -- "$runner" "$flag=$v" -- "$ring"
  expect "$flag needs a value ($acc)" -- "$runner" "$flag"
  # the same value in the environment of a program linked with mpisnap
  env "$var=$v" "$mpiexec" "$npflag" 2 "$ring" >"$work/job.out" 2>"$work/job.err" </dev/null
  rc=$?
  [ $rc -ne 0 ] || fail "$var='$v': the job succeeded"
  c=$(grep -cF -- "$want" "$work/job.err")
  [ "$c" -eq 1 ] || { cat "$work/job.err" >&2; fail "$var='$v': the job says '$want' $c times, expected once"; }
  n=$((n + 1))
  echo "ok ($rc): $var='$v' ring -> said once"
done <<<"$options"
expect "unknown option --bogus" -- "$runner" --bogus -- "$ring"
expect "no program given" -- "$runner" --interval 1
expect "cannot run $work/nothing: No such file or directory" -- "$runner" -- "$work/nothing"

f=$work/some.h5
expect "--eager-limit needs a byte count" -- "$inspect" waits --eager-limit
expect "--eager-limit needs a byte count, 0..2^40, not '-1'" -- "$inspect" waits --eager-limit -1 "$f"
expect "--eager-limit needs a byte count, 0..2^40, not '2x'" -- "$inspect" waits --eager-limit 2x "$f"
expect "--eager-limit is an option of waits" -- "$inspect" check --eager-limit 10 "$f"
expect "--read-limit needs seconds of CPU time" -- "$inspect" check --read-limit
expect "--read-limit needs seconds of CPU time, 0 (none) or 0.01..1000000, not '-1'" -- "$inspect" check --read-limit -1 "$f"
expect "--read-limit needs seconds of CPU time, 0 (none) or 0.01..1000000, not '0.001'" -- "$inspect" check --read-limit 0.001 "$f"
expect "--read-limit needs seconds of CPU time, 0 (none) or 0.01..1000000, not '1s'" -- "$inspect" summary --read-limit 1s "$f"
expect "--dot draws only summary, waits and stacks --tree" -- "$inspect" check --dot "$f"
expect "--svg draws only summary, waits and stacks --tree" -- "$inspect" messages --svg "$f"
expect "choose one of --json, --dot and --svg" -- "$inspect" --json --dot "$f"
expect "--dot takes one snapshot file" -- "$inspect" waits --dot "$f" "$f"
expect "no snapshot file given" -- "$inspect" check
expect "'chekc' is neither a subcommand nor an existing file" -- "$inspect" chekc "$f"
expect "unknown option '--bogus'" -- "$inspect" --bogus "$f"
expect "$f: No such file or directory" -- "$inspect" check "$f"
expect "$work: not a regular file" -- "$inspect" summary "$work"
echo "$n error paths, each one line and a non-zero exit"
