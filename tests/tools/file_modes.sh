#!/usr/bin/env bash
# file_modes.sh INSPECT RING WORKDIR -- MPIEXEC NPFLAG
# Snapshot files hold message payloads and application memory: under umask 022, the
# folders mpisnap creates are 0700 and its files 0600; with MPISNAP_SHARE=group, 0750
# and 0640. mpisnap-inspect check warns (stderr, exit status unchanged) about a file
# others may read, and says nothing about a private one.
set -u
inspect=$1 ring=$2 work=$3; shift 4
mpiexec=$1 npflag=$2
fail() { echo "FAIL: $*"; exit 1; }
umask 022
rm -rf "$work" && mkdir -p "$work"
# the sanitized suite runs SNAP_TEST_SLOWDOWN times slower (tests/sanitize/env.cmake.in):
# as many fewer rounds; the modes checked are the same
rounds=$((20000 / ${SNAP_TEST_SLOWDOWN:-1}))
run() { # dir [VAR=VALUE...]
  local dir=$1; shift
  env MPISNAP_DIR="$dir" MPISNAP_INTERVAL=0.02 MPISNAP_LOG=warn "$@" "$mpiexec" "$npflag" 2 "$ring" --rounds $rounds \
    >"$work/out" 2>&1 || { tail -n 5 "$work/out"; fail "the job failed"; }
}
modes() { # dir: "<mode of dir's parent> <mode of dir> <modes of its files>"
  echo "$(stat -c %a "$(dirname "$1")") $(stat -c %a "$1") $(stat -c %a "$1"/snap-*.h5 | sort -u | tr '\n' ' ')"
}
run "$work/private/a/b"
got=$(modes "$work/private/a/b")
[ "$got" = "700 700 600 " ] || fail "private: folders and files are '$got', expected '700 700 600 '"
echo "private (umask 022): folders 0700, files 0600"
run "$work/group/a/b" MPISNAP_SHARE=group
got=$(modes "$work/group/a/b")
[ "$got" = "750 750 640 " ] || fail "group: folders and files are '$got', expected '750 750 640 '"
echo "MPISNAP_SHARE=group: folders 0750, files 0640"

f=$(ls "$work/private/a/b"/snap-*.h5 | head -n 1)
"$inspect" check "$f" >/dev/null 2>"$work/err" || fail "check of a private file failed"
[ ! -s "$work/err" ] || fail "check warned about a private file: $(cat "$work/err")"
cp "$f" "$work/open.h5" && chmod 0644 "$work/open.h5"
"$inspect" check "$work/open.h5" >/dev/null 2>"$work/err" || fail "check of a world-readable copy failed"
grep -q "is readable by others (mode 0644)" "$work/err" || fail "no warning about a world-readable file"
echo "check warns: $(cat "$work/err")"
