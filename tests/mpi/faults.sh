#!/usr/bin/env bash
# faults.sh INSPECT BANK BANK_PLAIN WORKDIR -- MPIEXEC NPFLAG
# Faults of the snapshot directory never fail the job. On a real file system that
# fills up (a 1 MiB tmpfs mounted for the test; needs root, else skipped with 77), bank
# (4 ranks, a snapshot every 20 ms, MPISNAP_ALGO from the environment) meets:
#   full      the disk fills up and stays full;
#   returns   the disk fills up, then the snapshots are deleted: later ones succeed;
#   readonly  the file system is remounted read-only, then read-write again;
#   removed   the snapshot directory is removed while the job runs.
# Each time the job must exit 0 with the balances of a run without mpisnap, say each
# cause in one line when it starts failing snapshots (not one per failed snapshot) and
# again only after files were written again in between, leave no partial file, and
# every snapshot file left must be consistent. The other faults (EIO, a quota, a file
# system that hangs, a folder made read-only by chmod) are faults_io.sh's.
set -u
inspect=$1 bank=$2 plain=$3 work=$4; shift 5
mpiexec=$1 npflag=$2
. "$(dirname "$0")/faults_lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: mounting a tmpfs needs root"; exit 77; }
rm -rf "$work" && mkdir -p "$work/mnt"
mnt=$work/mnt
mount -t tmpfs -o size=1m,mode=0755 tmpfs "$mnt" || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
trap 'umount -l "$mnt" 2>/dev/null' EXIT
faults_want

# the disk fills and stays full
start full "$mnt"
finish full "$mnt" "No space left on device"
[ -n "$(ls "$mnt"/snap-*.h5 2>/dev/null)" ] || fail "full: no snapshot was written before the disk filled"

# the disk fills, then space returns
rm -f "$mnt"/snap-*.h5
start returns "$mnt"
wait_for "$work/returns.err" "No space left on device" || fail "returns: the disk never filled"
rm -f "$mnt"/snap-*.h5
wait_for "$work/returns.err" "files are written again" || fail "returns: no snapshot was written once space returned"
finish returns "$mnt" "No space left on device"

# read-only for a while (the newest two snapshots kept: the disk does not fill)
rm -f "$mnt"/snap-*.h5
start readonly "$mnt" MPISNAP_KEEP=2
wait_for "$work/readonly.err" "complete:" || fail "readonly: no first snapshot"
# (refused while a snapshot file is open for writing: tried between two snapshots)
remount() { local i; for i in $(seq 100); do mount -o "remount,$1" "$mnt" 2>/dev/null && return 0; sleep 0.02; done; return 1; }
remount ro || fail "cannot remount read-only"
wait_for "$work/readonly.err" "Read-only file system" || fail "readonly: no snapshot met the read-only file system"
remount rw || fail "cannot remount read-write"
wait_for "$work/readonly.err" "files are written again" || fail "readonly: no snapshot was written once writable"
finish readonly "$mnt" "Read-only file system"

# the directory removed under the running job
rm -f "$mnt"/snap-*.h5
mkdir -p "$mnt/dir"
start removed "$mnt/dir" MPISNAP_KEEP=2
wait_for "$work/removed.err" "complete:" || fail "removed: no first snapshot"
rm -rf "$mnt/dir"
wait_for "$work/removed.err" "No such file or directory" || fail "removed: no snapshot met the missing directory"
finish removed "$mnt/dir" "No such file or directory"
echo "every fault left the job's answer and exit status as without mpisnap"
