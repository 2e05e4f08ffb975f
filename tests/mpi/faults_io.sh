#!/usr/bin/env bash
# faults_io.sh FAULTFS INSPECT BANK BANK_PLAIN WORKDIR CASE... -- MPIEXEC NPFLAG
# More faults of the snapshot directory that must never fail the job (faults.sh has a
# disk that fills, a read-only remount, a removed folder). Bank as in faults.sh (4 ranks,
# a snapshot every 20 ms, MPISNAP_ALGO from the environment) writes its snapshots into
#   eio    faultfs (tests/faults/faultfs.c, a FUSE passthrough), whose creates, writes
#          and fsyncs fail with EIO for a while, then pass again; then its fsyncs alone
#          (the file written, not made durable);
#   quota  the same with EDQUOT (a quota exceeded), on writes;
#   hang   faultfs hangs: the first create, write or fsync of a snapshot's file sleeps
#          4 s (the word is taken back as soon as one has begun), with the hang watchdog
#          on (MPISNAP_HANG_TIMEOUT=2): the snapshot completes late or fails in one
#          line, the watchdog never takes the wait for the file for a hang of the job,
#          and snapshots complete after it;
#   chmod  a folder of its own on a tmpfs, the job run as nobody (root writes into a
#          folder of any mode): made 0555 for a while, then 0755 again.
# Each time: exit 0 with the balances of a run without mpisnap, the cause said in one
# line when it starts failing snapshots and "files are written again" once it is gone,
# no partial file, every snapshot file left consistent (faults_lib.sh's finish). The
# FUSE cases need root, /dev/fuse and faultfs (built where pkg-config finds fuse3); the
# chmod case root and the user nobody; else they are skipped (77) with the reason.
set -u
faultfs=$1 inspect=$2 bank=$3 plain=$4 work=$5; shift 5
cases=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do cases+=("$1"); shift; done
shift
mpiexec=$1 npflag=$2
. "$(dirname "$0")/faults_lib.sh"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "these faults need root (to mount faultfs, to run the job as nobody)"
rm -rf "$work" && mkdir -p "$work/tmp"
mnt=$work/mnt ctl=$work/faultfs.ctl ffs=""
job=""
# the files go to a tmpfs (faultfs's backing folder, the chmod case's folder): a disk's
# fsyncs, slow on a loaded machine, would make each job run for many more snapshots
mount -t tmpfs -o size=64m,mode=0755 tmpfs "$work/tmp" || skip "cannot mount a tmpfs"
# on any exit: the job stopped, faultfs unmounted (it then ends by itself), even when
# the test failed with writes hanging
cleanup() {
  local i
  [ -n "$job" ] && kill "$job" 2>/dev/null
  if [ -n "$ffs" ]; then
    echo normal >"$ctl"
    fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
    for i in $(seq 50); do kill -0 "$ffs" 2>/dev/null || break; sleep 0.1; done
    kill "$ffs" 2>/dev/null
  fi
  umount -l "$work/tmp" 2>/dev/null
}
trap cleanup EXIT

# mount_faultfs: faultfs over $work/tmp/back on $mnt, controlled through $ctl, its lines
# in $work/faultfs.log; skips when it cannot be mounted
mount_faultfs() {
  [ -n "$ffs" ] && return 0
  [ "$faultfs" != none ] && [ -x "$faultfs" ] ||
    skip "faultfs was not built: pkg-config found no fuse3 (scripts/setup-deps.sh installs libfuse3-dev)"
  command -v fusermount3 >/dev/null || skip "fusermount3 is missing (package fuse3)"
  { [ -c /dev/fuse ] && exec 9<>/dev/fuse; } 2>/dev/null || skip "/dev/fuse cannot be opened: no FUSE here"
  exec 9>&-
  mkdir -p "$work/tmp/back" "$mnt"
  echo normal >"$ctl"
  "$faultfs" "$work/tmp/back" "$ctl" "$mnt" -f 2>"$work/faultfs.log" &
  ffs=$!
  local i
  for i in $(seq 100); do
    mountpoint -q "$mnt" && return 0
    kill -0 "$ffs" 2>/dev/null || break
    sleep 0.1
  done
  ffs=""
  skip "cannot mount faultfs: $(tail -n 1 "$work/faultfs.log")"
}

# inject NAME CAUSE MODE...: NAME's job meets each MODE (faultfs's words) in turn after
# its first snapshot, until CAUSE is said again; then the fault goes, until files are
# written again
inject() {
  local name=$1 cause=$2 k=0 mode; shift 2
  mount_faultfs
  mkdir -p "$mnt/$name"
  start "$name" "$mnt/$name" MPISNAP_KEEP=2
  wait_for "$work/$name.err" "complete:" || fail "$name: no first snapshot"
  for mode in "$@"; do
    k=$((k + 1))
    echo "$mode" >"$ctl"
    wait_for "$work/$name.err" "error: .*$cause" $k || fail "$name: no snapshot met '$mode'"
    echo normal >"$ctl"
    wait_for "$work/$name.err" "files are written again" $k ||
      fail "$name: no snapshot was written once '$mode' was gone"
  done
  finish "$name" "$mnt/$name" "$cause"
}

# longer than faults.sh's jobs: a case injects up to two faults and waits for their
# recoveries, all before the job ends, on an idle machine too
args=(--transfers 12000 --seed 5 --quiet)
faults_want
for c in "${cases[@]}"; do
  case $c in
  eio) inject eio "Input/output error" eio "eio fsync" ;;
  quota) inject quota "Disk quota exceeded" "edquot write" ;;
  hang)
    mount_faultfs
    mkdir -p "$mnt/hang"
    start hang "$mnt/hang" MPISNAP_KEEP=2 MPISNAP_HANG_TIMEOUT=2
    wait_for "$work/hang.err" "complete:" || fail "hang: no first snapshot"
    echo "hang 4" >"$ctl"
    # one write hangs (those that start before the word is taken back)
    wait_for "$work/faultfs.log" "hanging" || fail "hang: no write met the hanging file system"
    echo normal >"$ctl"
    wait_for "$work/faultfs.log" "hung" || fail "hang: the hung write never returned"
    # snapshots go on: two more complete after the one that hung
    made=" complete: /.*in-transit"
    wait_for "$work/hang.err" "$made" $(($(grep -c "$made" "$work/hang.err") + 2)) ||
      fail "hang: no snapshot completed after the hang"
    finish hang "$mnt/hang" "" optional
    ! grep -q "hang watchdog" "$work/hang.err" ||
      fail "hang: the watchdog took the slow file system for a hang: $(grep -m1 "hang watchdog" "$work/hang.err")"
    echo "hang: $(grep -c "hung" "$work/faultfs.log") file operation(s) hung, the slowest snapshot took" \
      "$(grep -o 'complete: .*, [0-9.]* ms' "$work/hang.err" | sed 's/.*, //' | sort -n | tail -n 1), no watchdog alarm"
    ;;
  chmod)
    id nobody >/dev/null 2>&1 || skip "no user nobody to run the job as"
    mkdir -p "$work/tmp/chmod" && chown nobody "$work/tmp/chmod" && chmod 0755 "$work"
    as=(runuser -u nobody --)
    start chmod "$work/tmp/chmod" MPISNAP_KEEP=2
    wait_for "$work/chmod.err" "complete:" || { tail -n 3 "$work/chmod.err"; fail "chmod: no first snapshot"; }
    chmod 0555 "$work/tmp/chmod"
    wait_for "$work/chmod.err" "error: .*Permission denied" || fail "chmod: no snapshot met the folder made read-only"
    chmod 0755 "$work/tmp/chmod"
    wait_for "$work/chmod.err" "files are written again" || fail "chmod: no snapshot was written once writable"
    finish chmod "$work/tmp/chmod" "Permission denied"
    as=()
    ;;
  *) fail "unknown case '$c'" ;;
  esac
done
echo "every fault left the job's answer and exit status as without mpisnap"
