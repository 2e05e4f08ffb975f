#!/usr/bin/env bash
# run_check.sh - run an MPI job that takes snapshots, then check every snapshot file.
#
#   run_check.sh [options] -- mpiexec -n N app args...
#     --inspect PATH      mpisnap-inspect to use (required)
#     --dir DIR           MPISNAP_DIR for the job (emptied first; required)
#     --min N             at least N snapshot files must be written (default 1)
#     --transit           at least one snapshot must hold in-transit messages
#     --same-as CMD... --end   the last 2 lines of the job's stdout must equal CMD's
#     --same-lines RE     with --same-as: compare the lines matching RE (at least one) on
#                         stdout and stderr instead of the last two lines of stdout
#     --expect-call NAME  some snapshot must show a rank inside MPI call NAME (e.g. MPI_Recv)
#     --exactly N         exactly N snapshot files must be written
#     --messages FILE=TEXT  the in-transit messages of snapshot FILE (e.g. snap-000001.h5) must
#                         be exactly TEXT: "src:0,dst:1,comm:0,tag:1,bytes:8,preview_hex:9210...|" per message
#     --expect-fail TEXT  the job must exit non-zero and print TEXT on stderr (no check of files)
#     --expect-stderr TEXT  the job must succeed and print TEXT on stderr exactly once
#
# It fails (exit 1, saying why) when the job fails, a file is missing or refused, a
# snapshot is inconsistent, a ".part" file is left behind, or the library logged an
# internal error.
set -u
same_re= inspect= dir= min=1 transit=0 same=() expect_fail= calls=() exactly= msgchecks=() expect_err=
while [ $# -gt 0 ]; do
  case "$1" in
    --inspect) inspect=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --min) min=$2; shift 2 ;;
    --transit) transit=1; shift ;;
    --same-as) shift; while [ "$1" != "--end" ]; do same+=("$1"); shift; done; shift ;;
    --expect-fail) expect_fail=$2; shift 2 ;;
    --expect-stderr) expect_err=$2; shift 2 ;;
    --expect-call) calls+=("$2"); shift 2 ;;
    --same-lines) same_re=$2; shift 2 ;;
    --exactly) exactly=$2; min=$2; shift 2 ;;
    --messages) msgchecks+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "run_check.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$inspect" ] && [ -n "$dir" ] || { echo "run_check.sh: --inspect and --dir are required" >&2; exit 2; }
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$dir" && mkdir -p "$dir"
export MPISNAP_DIR="$dir"
# The sanitized suite (tests/sanitize/env.cmake.in) runs everything SNAP_TEST_SLOWDOWN
# times slower: the snapshot interval (MPISNAP_INTERVAL, mpisnap-run --interval) is
# stretched as much, so that the job takes as many snapshots per unit of its work as in
# the normal suite (not k times more, each checked k times slower); the checks are the same.
if [ -n "${SNAP_TEST_SLOWDOWN:-}" ]; then
  stretch() { # a number times k; anything else (a bad value a test wants refused) as it is
    if [[ $1 =~ ^[0-9]*\.?[0-9]+$ ]]; then awk -v v="$1" -v k="$SNAP_TEST_SLOWDOWN" 'BEGIN { printf "%g", v * k }'; else echo "$1"; fi
  }
  [ -z "${MPISNAP_INTERVAL:-}" ] || MPISNAP_INTERVAL=$(stretch "$MPISNAP_INTERVAL")
  job=() prev=
  for a in "$@"; do
    if [ "$prev" = --interval ]; then a=$(stretch "$a"); fi
    case $a in --interval=*) a=--interval=$(stretch "${a#--interval=}") ;; esac
    job+=("$a") prev=$a
  done
  set -- "${job[@]}"
fi
out="$dir/stdout" err="$dir/stderr"
"$@" >"$out" 2>"$err"
rc=$?
tail -n 5 "$out"
if [ -n "$expect_fail" ]; then
  [ $rc -ne 0 ] || fail "the job succeeded; expected a failure with '$expect_fail'"
  grep -qF -- "$expect_fail" "$err" || { cat "$err" >&2; fail "stderr does not say '$expect_fail'"; }
  echo "failed as expected: $(grep -F -- "$expect_fail" "$err" | head -n 1)"
  exit 0
fi
[ $rc -eq 0 ] || { tail -n 20 "$err" >&2; fail "the job exited with $rc"; }
if [ -n "$expect_err" ]; then
  n=$(grep -cF -- "$expect_err" "$err")
  [ "$n" -eq 1 ] || { cat "$err" >&2; fail "stderr says '$expect_err' $n times, expected once"; }
  echo "said once: $(grep -F -- "$expect_err" "$err")"
fi
if grep -q "internal:" "$err"; then grep "internal:" "$err" >&2; fail "the library reported an internal error"; fi

shopt -s nullglob
files=("$dir"/snap-*.h5)
parts=("$dir"/*.part)
[ ${#parts[@]} -eq 0 ] || fail "left-over partial files: ${parts[*]}"
[ ${#files[@]} -ge "$min" ] || { tail -n 20 "$err" >&2; fail "${#files[@]} snapshot files, expected at least $min"; }
[ -z "$exactly" ] || [ ${#files[@]} -eq "$exactly" ] || fail "${#files[@]} snapshot files, expected exactly $exactly"
# every file in one run of the tool (thousands of files: one process each cost more than
# the checks, several times more under the sanitizers); none to check when --exactly 0
msgs=0
if [ ${#files[@]} -gt 0 ]; then
  "$inspect" check "${files[@]}" >"$dir/check.out" 2>&1 ||
    { grep -v ": consistent" "$dir/check.out" | head -n 20 >&2; fail "not every snapshot is consistent"; }
  msgs=$("$inspect" messages --json "${files[@]}" | grep -o '"src"' | wc -l)
fi
echo "${#files[@]} snapshots consistent, $msgs in-transit messages in all"
[ $transit -eq 0 ] || [ $msgs -gt 0 ] || fail "no snapshot holds an in-transit message"
for mc in "${msgchecks[@]}"; do
  f=$dir/${mc%%=*} want=${mc#*=}
  got=$("$inspect" messages --json "$f" | tr -d ' \n' |
        grep -o '"src":[0-9]*,"dst":[0-9]*,"comm":[0-9]*,"src_comm":[0-9]*,"tag":-\?[0-9]*,"epoch":[0-9]*,"order":[0-9]*,"bytes":[0-9]*,"preview_hex":"[0-9a-f]*"' |
        sed 's/"src_comm":[0-9]*,//; s/"epoch":[0-9]*,"order":[0-9]*,//; s/"//g' | tr '\n' '|')
  [ "$got" = "$want" ] || fail "in-transit messages of ${mc%%=*}: '$got', expected '$want'"
  echo "in-transit messages of ${mc%%=*} as expected: $want"
done
for call in "${calls[@]}"; do
  found=0
  for f in "${files[@]}"; do
    "$inspect" summary --json "$f" | grep -q "\"call\": *\"$call\"" && found=1
  done
  [ $found -eq 1 ] || fail "no snapshot shows a rank inside $call"
  echo "a snapshot shows a rank inside $call"
done

if [ ${#same[@]} -gt 0 ]; then
  if [ -n "$same_re" ]; then
    # stdout and stderr apart, as for the run with mpisnap: interleaved, a line one
    # rank prints in two writes may be split by another rank's line
    "${same[@]}" >"$dir/ref.stdout" 2>"$dir/ref.stderr"
    ref=$(cat "$dir/ref.stdout" "$dir/ref.stderr" | grep -E -- "$same_re")
    got=$(cat "$out" "$err" | grep -E -- "$same_re")
    [ -n "$got" ] || fail "no output line matches '$same_re'"
  else
    ref=$("${same[@]}" 2>/dev/null | tail -n 2)
    got=$(tail -n 2 "$out")
  fi
  [ "$ref" = "$got" ] || fail "output differs from the run without mpisnap:
  without: $ref
  with:    $got"
  echo "final output identical to the run without mpisnap"
fi
exit 0
