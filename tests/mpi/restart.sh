#!/usr/bin/env bash
# restart.sh INSPECT JACOBI BANK RUN BIGSTATE H5SETATTR WORKDIR -- MPIEXEC NPFLAG
# Restart jacobi from snapshots taken at safe points (MPISNAP_ALGO from the environment):
#  - crash it (SIGKILL of one rank) at several iterations, restart from the newest
#    snapshot: the checksum must equal the uninterrupted run's, bit for bit;
#  - crash the restarted run again and restart a second time: same checksum, and the
#    snapshot ids go on after the first restart's;
#  - every refusal is one clear line and a non-zero exit: another number of ranks, a
#    region of another size, a region the program does not protect (bigstate copied
#    under the name jacobi), another program's snapshot, another file format version, a
#    missing file, a corrupt file (and "latest" skips a corrupt newest file, saying so),
#    a file whose check crashes HDF5.
set -u
inspect=$1 jacobi=$2 bank=$3 runner=$4 bigstate=$5 setattr=$6 work=$7; shift 8
mpiexec=$1 npflag=$2
fail() { echo "FAIL: $*"; exit 1; }
args=(--n 48 --iters 240 --snapshot-every 20)
run() { # np dir extra-env... -- extra args
  local np=$1 dir=$2; shift 2
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  env MPISNAP_DIR="$dir" MPISNAP_SAFEPOINT_TIMEOUT=5 "${envs[@]}" "$mpiexec" "$npflag" "$np" "$jacobi" "${args[@]}" "$@"
}
checksum() { grep '^checksum:' "$1"; }
rm -rf "$work" && mkdir -p "$work"

run 4 "$work/ref" -- >"$work/ref.out" 2>&1 || fail "the reference run failed"
want=$(checksum "$work/ref.out")
[ -n "$want" ] || fail "no checksum in the reference run"

for crash in 33 101 187; do
  d=$work/crash$crash
  run 4 "$d" -- --crash-at $crash >"$d.1.out" 2>&1 && fail "the run meant to crash at $crash did not"
  n=$(ls "$d"/snap-*.h5 2>/dev/null | wc -l)
  [ "$n" -ge 1 ] || fail "crash at $crash: no snapshot written"
  for f in "$d"/snap-*.h5; do "$inspect" check "$f" >/dev/null || fail "$f is not consistent"; done
  run 4 "$d" MPISNAP_RESTART=latest -- >"$d.2.out" 2>&1 || { tail "$d.2.out"; fail "restart after crash at $crash failed"; }
  [ "$(checksum "$d.2.out")" = "$want" ] || fail "crash at $crash: restarted $(checksum "$d.2.out"), uninterrupted $want"
  echo "crash at iteration $crash, restart from $(ls "$d"/snap-*.h5 | sed -n "${n}p" | xargs basename): $want"
done

d=$work/crash101
oldest=$(ls "$d"/snap-*.h5 | head -n 1) # ids of abandoned snapshots are skipped: take what exists
env MPISNAP_DIR="$d" "$mpiexec" "$npflag" 4 "$runner" --restart "$oldest" -- "$jacobi" "${args[@]}" \
  >"$d.run.out" 2>&1 || { tail -n 5 "$d.run.out"; fail "mpisnap-run --restart $oldest failed"; }
[ "$(checksum "$d.run.out")" = "$want" ] || fail "mpisnap-run --restart $(basename "$oldest"): wrong checksum"
echo "mpisnap-run --restart $(basename "$oldest"): $want"

d=$work/twice
run 4 "$d" -- --crash-at 70 >"$d.1.out" 2>&1 && { tail -n 5 "$d.1.out"; fail "first crash did not happen"; }
first=$(ls "$d"/snap-*.h5 | tail -n 1)
run 4 "$d" MPISNAP_RESTART=latest -- --crash-at 170 >"$d.2.out" 2>&1 && { tail -n 5 "$d.2.out"; fail "second crash did not happen"; }
second=$(ls "$d"/snap-*.h5 | tail -n 1)
[ "$second" \> "$first" ] || fail "the restarted run took no snapshot after $(basename "$first")"
"$inspect" check "$second" >/dev/null || fail "$second (a snapshot of a restarted run) is not consistent"
run 4 "$d" MPISNAP_RESTART=latest -- >"$d.out" 2>&1 || fail "second restart failed"
[ "$(checksum "$d.out")" = "$want" ] || fail "restarted twice: $(checksum "$d.out"), uninterrupted $want"
echo "restarted twice ($(basename "$first") then $(basename "$second")): $want"

# a directory reused by a later job: the earlier job (another grid size) left higher ids;
# latest is the newest snapshot in time, the later job's own
d=$work/reused
args=(--n 40 --iters 240 --snapshot-every 10)
run 4 "$d" -- >"$d.0.out" 2>&1 || { tail -n 5 "$d.0.out"; fail "the earlier job in the reused directory failed"; }
args=(--n 48 --iters 240 --snapshot-every 20)
run 4 "$d" -- --crash-at 50 >"$d.1.out" 2>&1 && { tail -n 5 "$d.1.out"; fail "the crash in the reused directory did not happen"; }
run 4 "$d" MPISNAP_RESTART=latest MPISNAP_LOG=info -- >"$d.out" 2>&1 ||
  { tail -n 3 "$d.out"; fail "restart in a reused directory failed (an earlier job's snapshot chosen?)"; }
grep -q "^jacobi: .*(restarted)" "$d.out" || fail "reused directory: the run did not restart"
[ "$(checksum "$d.out")" = "$want" ] || fail "reused directory: restarted $(checksum "$d.out"), uninterrupted $want"
echo "reused directory ($(ls "$d"/snap-*.h5 | wc -l) files, the newest by id another job's): $(grep -o 'restarting from [^ ]*' "$d.out")"

# MPISNAP_KEEP=2: of a dozen snapshots only the newest two stay, and they restart exactly
d=$work/keep
args=(--n 48 --iters 240 --snapshot-every 10)
run 4 "$d" MPISNAP_KEEP=2 MPISNAP_LOG=info -- --crash-at 130 >"$d.1.out" 2>&1 && fail "keep: the crash did not happen"
files=$(ls "$d"/snap-*.h5 | xargs -n 1 basename | tr '\n' ' ')
newest=$(grep -o 'snapshot [0-9]* complete: /' "$d.1.out" | awk '{ printf "snap-%06d.h5\n", $2 }' | tail -n 2 | tr '\n' ' ')
[ "$(grep -c 'complete: deleted' "$d.1.out")" -ge 8 ] || fail "keep: fewer than 8 older snapshots were deleted"
[ "$files" = "$newest" ] || fail "keep: the directory holds '$files', the newest two are '$newest'"
for f in "$d"/snap-*.h5; do "$inspect" check "$f" >/dev/null || fail "keep: $f is not consistent"; done
run 4 "$d" MPISNAP_RESTART=latest -- >"$d.2.out" 2>&1 || { tail -n 3 "$d.2.out"; fail "keep: restart failed"; }
grep -q "^jacobi: .*(restarted)" "$d.2.out" || fail "keep: the run did not restart"
[ "$(checksum "$d.2.out")" = "$want" ] || fail "keep: restarted $(checksum "$d.2.out"), uninterrupted $want"
echo "MPISNAP_KEEP=2: $(grep -c 'complete: deleted' "$d.1.out") deleted, kept $files, restarted: $want"
args=(--n 48 --iters 240 --snapshot-every 20)

refused() { # what, expected text, command...
  local what=$1 text=$2; shift 2
  out=$("$@" 2>&1) && fail "$what: accepted"
  echo "$out" | grep -qF -- "$text" || { echo "$out" | tail -n 5; fail "$what: no '$text' in the output"; }
  [ "$(echo "$out" | grep -cF -- "$text")" -eq 1 ] || fail "$what: the reason is printed more than once"
  echo "refused ($what): $(echo "$out" | grep -F -- "$text" | head -n 1)"
}
snap=$(ls "$work/crash101"/snap-*.h5 | tail -n 1)
refused "3 ranks" "snapshot of 4 ranks, this job has 3" run 3 "$work/x" MPISNAP_RESTART="$snap" --
args=(--n 40 --iters 240)
refused "other grid size" "region 'grid' is" run 4 "$work/x" MPISNAP_RESTART="$snap" --
args=(--n 48 --iters 240 --snapshot-every 20)
env MPISNAP_DIR="$work/bank" "$mpiexec" "$npflag" 4 "$bank" --transfers 200 --request-every 50 --quiet >"$work/bank.out" 2>&1 ||
  { tail -n 5 "$work/bank.out"; fail "bank run failed"; }
refused "bank's snapshot" "snapshot of program 'bank', this is 'jacobi'" \
  run 4 "$work/x" MPISNAP_RESTART="$(ls "$work/bank"/snap-*.h5 | head -n 1)" --
refused "missing file" "no-such.h5" run 4 "$work/x" MPISNAP_RESTART="$work/no-such.h5" --
mkdir -p "$work/other" && cp "$bigstate" "$work/other/jacobi" # same name, other regions
refused "region not protected" "region 'grid' is in the snapshot but the program does not protect it" \
  env MPISNAP_DIR="$work/x" MPISNAP_RESTART="$snap" "$mpiexec" "$npflag" 4 "$work/other/jacobi" 1
cp "$snap" "$work/version.h5"
"$setattr" "$work/version.h5" format_version 7 || fail "cannot rewrite format_version"
refused "format version" "format version 7" run 4 "$work/x" MPISNAP_RESTART="$work/version.h5" --
cp "$snap" "$work/corrupt.h5"
# flip the first byte of the region's own bytes, found at the offset HDF5 reports (a
# search for its value could hit an equal number elsewhere, even unchecked metadata)
off=$(h5dump -p -H -d /ranks/0/regions/iter "$snap" | awk '/OFFSET/ { print $2; exit }')
[ -n "$off" ] || fail "cannot find the offset of /ranks/0/regions/iter"
byte=$(od -An -tu1 -j "$off" -N 1 "$snap" | tr -d ' ')
printf "\\x$(printf %02x $((byte ^ 255)))" | dd of="$work/corrupt.h5" bs=1 seek="$off" conv=notrunc status=none
cmp -s "$snap" "$work/corrupt.h5" && fail "the corrupt copy equals the snapshot"
refused "corrupt file" "checksum" run 4 "$work/x" MPISNAP_RESTART="$work/corrupt.h5" --
# a file whose check crashes HDF5 (CRASH_HDF5_LIB: an H5Fis_hdf5 that crashes, as HDF5's
# parser does on some crafted files): the check runs in a child process, the job gets
# one line and a non-zero exit. (Under the sanitized suite ASan would catch the SIGSEGV,
# report it and exit 1: handle_segv=0 leaves the crash to the signal, as without ASan.)
if [ -n "${CRASH_HDF5_LIB:-}" ]; then
  refused "reading crashes" "damaged file: reading it crashed the reader (Segmentation fault)" \
    run 4 "$work/x" LD_PRELOAD="$CRASH_HDF5_LIB" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0" \
    MPISNAP_RESTART="$snap" --
fi
cp "$work/corrupt.h5" "$work/crash101/snap-000099.h5"
run 4 "$work/crash101" MPISNAP_RESTART=latest -- >"$work/skip.out" 2>&1 || fail "latest did not skip the corrupt newest file"
grep -q "skipping.*snap-000099.h5" "$work/skip.out" || fail "latest did not say it skipped snap-000099.h5"
[ "$(checksum "$work/skip.out")" = "$want" ] || fail "restart after skipping a corrupt file: wrong checksum"
echo "latest skipped the corrupt snap-000099.h5 and restarted from the one before: $want"

# latest-or-new: with no snapshot (no directory yet, or only a corrupt file) the job
# starts from the beginning and says so; with one, it restarts as latest does
refused "no snapshot, latest" "no snapshot to restart from" run 4 "$work/none" MPISNAP_RESTART=latest --
mkdir -p "$work/only-corrupt" && cp "$work/corrupt.h5" "$work/only-corrupt/snap-000002.h5"
for d in "$work/fresh" "$work/only-corrupt"; do
  run 4 "$d" MPISNAP_RESTART=latest-or-new -- >"$d.out" 2>&1 || { tail -n 3 "$d.out"; fail "latest-or-new in $d failed"; }
  grep -q "latest-or-new: no snapshot to restart from in '$d': starting from the beginning" "$d.out" ||
    fail "latest-or-new in $d did not say it starts from the beginning"
  grep -q "(restarted)" "$d.out" && fail "latest-or-new in $d restarted from something"
  [ "$(checksum "$d.out")" = "$want" ] || fail "latest-or-new in $d: $(checksum "$d.out"), uninterrupted $want"
done
run 4 "$work/crash33" MPISNAP_RESTART=latest-or-new -- >"$work/or-new.out" 2>&1 || fail "latest-or-new with snapshots failed"
grep -q "^jacobi: .*(restarted)" "$work/or-new.out" || fail "latest-or-new did not restart from crash33's snapshot"
[ "$(checksum "$work/or-new.out")" = "$want" ] || fail "latest-or-new restart: wrong checksum"
echo "latest-or-new: started from the beginning without a snapshot, restarted with one: $want"
echo "all restart checks passed"
