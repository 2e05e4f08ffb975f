#!/usr/bin/env bash
# mutate.sh INSPECT SEEDS WORK [COUNT [SEED]] - damaged snapshots against every command
# of mpisnap-inspect.
#
# COUNT (default 300) copies of the real snapshots in SEEDS are damaged, each in one of
# three ways chosen at random (from SEED, default 13, so a failure replays): 1-8 bytes
# flipped, the file truncated, or a block of 16-4096 bytes zeroed. Each damaged file
# goes through summary, check, messages, stacks and waits in text, and one of
# --json/--dot. Every run must either refuse the file -- exit status 2 and exactly one
# line on stderr -- or give exactly the output and status it gives for the undamaged
# file (damage where nothing is read, e.g. unused bytes); never a signal, never another
# answer.
set -u
inspect=$1 seeds=$2 work=$3 count=${4:-300} seed=${5:-13}
RANDOM=$seed
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work/orig" "$work/bad" || exit 2
originals=("$seeds"/*.h5)
[ -e "${originals[0]}" ] || fail "no snapshots in $seeds"
python3 - "$work/bad" "$count" "$seed" "${originals[@]}" <<'PY' || fail "cannot write the damaged files"
import os, random, sys
out, count, seed, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
rnd = random.Random(seed)
for i in range(count):
    src = files[i % len(files)]
    data = bytearray(open(src, 'rb').read())
    kind = rnd.choice(['flip', 'truncate', 'zero'])
    if kind == 'flip':
        for _ in range(rnd.randint(1, 8)):
            data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
    elif kind == 'truncate':
        data = data[:rnd.randrange(len(data))]
    else:
        at, n = rnd.randrange(len(data)), rnd.randint(16, 4096)
        data[at:at + n] = bytes(len(data[at:at + n]))
    name = '%04d-%s-%s' % (i, kind, os.path.basename(src))
    with open(os.path.join(out, name), 'wb') as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(data)
PY
cmds=("summary" "check" "messages" "stacks" "waits" "summary --json" "check --json" "messages --json"
      "stacks --json" "waits --json" "summary --dot" "waits --dot")
# what each command says about each undamaged file, under the same name as the damaged
run() { # cmd file out-prefix
  local c=$1 f=$2 o=$3
  # shellcheck disable=SC2086
  "$inspect" $c "$f" >"$o.out" 2>"$o.err"
  echo $? >"$o.rc"
}
for f in "${originals[@]}"; do
  cp "$f" "$work/orig/same.h5" && chmod 600 "$work/orig/same.h5"
  for i in "${!cmds[@]}"; do
    run "${cmds[$i]}" "$work/orig/same.h5" "$work/orig/$(basename "$f").$i"
  done
done
refused=0 same=0 contained=0 runs=0
for bad in "$work"/bad/*.h5; do
  orig=$(basename "$bad" | cut -d- -f3-)
  extra=$((5 + RANDOM % 7))
  cp "$bad" "$work/orig/same.h5"
  for i in 0 1 2 3 4 $extra; do
    o=$work/run
    run "${cmds[$i]}" "$work/orig/same.h5" "$o"
    rc=$(cat "$o.rc") runs=$((runs + 1))
    what="'${cmds[$i]}' on $(basename "$bad")"
    [ "$rc" -lt 128 ] || fail "$what: killed by signal $((rc - 128))"
    if [ "$rc" -eq 2 ]; then
      [ "$(wc -l <"$o.err")" -eq 1 ] || { cat "$o.err" >&2; fail "$what: refused without exactly one line on stderr"; }
      grep -qE '^mpisnap(-inspect)?: ' "$o.err" || { cat "$o.err" >&2; fail "$what: the line does not say who speaks"; }
      grep -q 'crashed the reader' "$o.err" && contained=$((contained + 1))
      refused=$((refused + 1))
    else
      ref=$work/orig/$orig.$i
      [ "$rc" = "$(cat "$ref.rc")" ] || { cat "$o.err" >&2; fail "$what: exit $rc, the undamaged file gives $(cat "$ref.rc")"; }
      cmp -s "$o.out" "$ref.out" || { diff "$ref.out" "$o.out" | head -n 20 >&2; fail "$what: accepted, with another output than the undamaged file's"; }
      same=$((same + 1))
    fi
  done
done
echo "$count damaged files (seed $seed), $runs runs: $refused refused in one line ($contained of them crashes of the reader, contained), $same identical to the undamaged file's"
