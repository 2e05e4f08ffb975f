#!/usr/bin/env bash
# help.sh TOOL... - every tool answers --help with a usage text on stdout and exit 0,
# and an unknown option with one line on stderr and a non-zero exit.
set -u
for tool in "$@"; do
  name=$(basename "$tool")
  out=$("$tool" --help 2>&1) || { echo "FAIL: $name --help exited non-zero"; exit 1; }
  echo "$out" | grep -qi "usage" || { echo "FAIL: $name --help prints no usage"; exit 1; }
  err=$("$tool" --no-such-option 2>&1 >/dev/null) && { echo "FAIL: $name accepted --no-such-option"; exit 1; }
  [ -n "$err" ] || { echo "FAIL: $name rejected --no-such-option silently"; exit 1; }
  echo "ok: $name --help; bad option -> $(echo "$err" | head -n 1)"
done
