#!/usr/bin/env bash
# no_false_deadlock.sh - run a CORRECT MPI program that takes many snapshots, and check
# that `mpisnap-inspect waits` finds no deadlock in any of them (a correct program is
# never reported) and that every snapshot is consistent.
#
#   no_false_deadlock.sh --inspect PATH --dir DIR [--min N] -- mpiexec -n N app args...
#
# Fails (exit 1, naming the snapshot and printing what waits said) when the job fails,
# writes fewer than N snapshots (default 3), or a snapshot is refused, inconsistent or
# reported as deadlocked.
set -u
inspect= dir= min=3
while [ $# -gt 0 ]; do
  case "$1" in
    --inspect) inspect=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --min) min=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "no_false_deadlock.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$inspect" ] && [ -n "$dir" ] && [ $# -gt 0 ] ||
  { echo "no_false_deadlock.sh: --inspect, --dir and a command are required" >&2; exit 2; }
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$dir" && mkdir -p "$dir" || exit 2
export MPISNAP_DIR="$dir"
timeout -s KILL 120 "$@" >"$dir/stdout" 2>"$dir/stderr" ||
  { tail -n 20 "$dir/stderr" >&2; fail "the job failed"; }
shopt -s nullglob
files=("$dir"/snap-*.h5)
[ ${#files[@]} -ge "$min" ] || fail "${#files[@]} snapshots, expected at least $min"
blocked=0
for f in "${files[@]}"; do
  "$inspect" check "$f" >/dev/null 2>&1 || fail "$f is not consistent"
  "$inspect" waits "$f" >"$dir/waits.txt" 2>&1
  rc=$?
  [ $rc -eq 0 ] || { cat "$dir/waits.txt" >&2; fail "waits says $f holds a deadlock (exit $rc)"; }
  grep -q "ranks\? blocked, all can progress" "$dir/waits.txt" && blocked=$((blocked + 1))
done
echo "${#files[@]} snapshots, none deadlocked ($blocked with blocked ranks that can progress)"
exit 0
