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

# Corrupt: find rank 0's 8-byte balance (a checksummed chunk) in the file and flip a byte.
h5dump -d /ranks/0/regions/balance -b LE -o "$work/balance.bin" "$good" >/dev/null || fail "cannot dump the balance"
pattern=$(od -An -v -tx1 "$work/balance.bin" | tr -d ' \n' | sed 's/\(..\)/\\x\1/g')
offsets=$(LC_ALL=C grep -obUaP "$pattern" "$good" | cut -d: -f1)
[ "$(echo "$offsets" | wc -w)" -eq 1 ] || fail "the balance bytes are not unique in the file ($offsets)"
cp "$good" "$work/corrupt.h5"
printf '\x5a' | dd of="$work/corrupt.h5" bs=1 seek=$((offsets + 3)) conv=notrunc status=none
cmp -s "$good" "$work/corrupt.h5" && fail "the corruption changed nothing"
expect_refused "$work/corrupt.h5" "checksum"
echo "all refusals correct"
