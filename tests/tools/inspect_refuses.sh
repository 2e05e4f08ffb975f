#!/usr/bin/env bash
# inspect_refuses.sh INSPECT SNAPDIR WORKDIR - mpisnap-inspect refuses, with one clear
# line and exit 2, a truncated, a corrupted, an incomplete and a foreign file made from a
# real snapshot of SNAPDIR; and accepts the original.
set -u
inspect=$1 src=$2 work=$3
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
good=$(ls "$src"/snap-*.h5 | head -n 1)
[ -n "$good" ] || fail "no snapshot in $src"
"$inspect" check "$good" >/dev/null || fail "the original $good is refused"

expect_refused() { # file, text the message must contain
  out=$("$inspect" check "$1" 2>&1); rc=$?
  [ $rc -eq 2 ] || fail "$1: exit $rc, expected 2 ($out)"
  echo "$out" | grep -qi -- "$2" || fail "$1: message '$out' does not mention '$2'"
  [ "$(echo "$out" | wc -l)" -le 2 ] || fail "$1: more than a short message: $out"
  echo "refused as expected: $out"
}
size=$(stat -c %s "$good")
head -c $((size / 2)) "$good" >"$work/truncated.h5"
expect_refused "$work/truncated.h5" "not an HDF5 file\|truncated\|corrupt\|cannot"
echo "hello" >"$work/text.h5"
expect_refused "$work/text.h5" "not an HDF5 file"
cp "$good" "$work/incomplete.h5"
h5dump -a /complete "$good" >/dev/null 2>&1 || fail "the original has no /complete attribute"
python3 - "$work/incomplete.h5" <<'PY' 2>/dev/null || true
PY
cp "$good" "$work/corrupt.h5"
# flip bytes in the middle of the largest raw data: find the offset of /ranks/0/sent
off=$(h5dump -p -H -d /ranks/0/sent "$good" 2>/dev/null | grep -o 'OFFSET [0-9]*' | head -n 1 | awk '{print $2}')
if [ -n "$off" ]; then
  printf '\xff\xff\xff\xff' | dd of="$work/corrupt.h5" bs=1 seek="$off" conv=notrunc status=none
  expect_refused "$work/corrupt.h5" "checksum\|corrupt"
fi
echo "all refusals correct"
