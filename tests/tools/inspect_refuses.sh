#!/usr/bin/env bash
# inspect_refuses.sh INSPECT SNAPDIR WORKDIR - from a real snapshot of SNAPDIR, make a
# truncated, a corrupted (one byte of checksummed data flipped), a text and an empty
# file: mpisnap-inspect must refuse each with one clear line and exit 2, and accept the
# original. (Incomplete and foreign-version files are covered by unit.snapfile.)
set -u
inspect=$1 src=$2 work=$3
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
good=$(ls "$src"/snap-*.h5 | head -n 1)
[ -n "$good" ] || fail "no snapshot in $src"
"$inspect" check "$good" >/dev/null || fail "the original $good is refused"

expect_refused() { # file, pattern the message must match
  out=$("$inspect" check "$1" 2>&1); rc=$?
  [ $rc -eq 2 ] || fail "$1: exit $rc, expected 2 ($out)"
  echo "$out" | grep -qi -- "$2" || fail "$1: message '$out' does not match '$2'"
  [ "$(echo "$out" | wc -l)" -eq 1 ] || fail "$1: more than one line: $out"
  echo "refused as expected: $out"
}

size=$(stat -c %s "$good")
head -c $((size / 2)) "$good" >"$work/truncated.h5"
expect_refused "$work/truncated.h5" "truncated\|corrupt\|not an HDF5"
echo "hello" >"$work/text.h5"
expect_refused "$work/text.h5" "not an HDF5 file"
: >"$work/empty.h5"
expect_refused "$work/empty.h5" "not an HDF5 file\|empty"

# Corrupt: flip a byte of rank 0's 8-byte balance (a checksummed chunk), found at the
# offset HDF5 reports (a search for its bytes fails when they hold a newline, and could
# hit an equal value elsewhere)
off=$(h5dump -p -H -d /ranks/0/regions/balance "$good" | awk '/OFFSET/ { print $2; exit }')
[ -n "$off" ] || fail "cannot find the offset of /ranks/0/regions/balance"
cp "$good" "$work/corrupt.h5"
byte=$(od -An -tu1 -j $((off + 3)) -N 1 "$good" | tr -d ' ')
printf "\\x$(printf %02x $((byte ^ 255)))" | dd of="$work/corrupt.h5" bs=1 seek=$((off + 3)) conv=notrunc status=none
cmp -s "$good" "$work/corrupt.h5" && fail "the corruption changed nothing"
expect_refused "$work/corrupt.h5" "checksum"
echo "all refusals correct"
