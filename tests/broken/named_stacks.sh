#!/usr/bin/env bash
# named_stacks.sh - stacks named offline, the call-prefix tree and progress (issue 12),
# on named_hang (built with -g, never linked with mpisnap) run under mpisnap-run's hang
# watchdog. Expected places come from the source's "MARK:name" comments, never from
# numbers written here.
#
#   named_stacks.sh names|tree INSPECT PROG SOURCE OTHER_BINARY DIR -- MPIEXEC... MPISNAP-RUN
#     names  5 ranks, ranks 0-1 ping-pong: the watchdog's snapshot and its repeat
#            (--hang-repeat); checks function names, file:line, the inlined frame, the
#            progress view (ranks 2-4 made none), then the same snapshot read with the
#            debug information in a separate file (.gnu_debuglink), with the binary
#            stripped of debug information (symbol table names), stripped of
#            everything (module+offset), replaced by another binary (build-id
#            mismatch, said, no wrong names) and removed (said)
#     tree   64 ranks (oversubscribed): the call-prefix tree's counts, rank lists and
#            classes, in JSON, text, DOT and SVG
#   The program is copied into DIR/bin (the copy is what runs, and what is stripped
#   and replaced); OTHER_BINARY is any other ELF program (a "rebuilt" binary).
set -u
mode=$1 inspect=$2 prog_built=$3 src=$4 other=$5 dir=$6
shift 6
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: named_stacks.sh names|tree INSPECT PROG SOURCE OTHER DIR -- LAUNCHER..." >&2; exit 2; }
exe=$dir/bin/named_hang
prog=$exe
. "$(dirname "$0")/stop_job.sh"
fail() {
  echo "FAIL: $*" >&2
  stop_job
  [ -s "$dir/stderr" ] && { echo "--- job stderr" >&2; tail -n 20 "$dir/stderr" >&2; }
  exit 1
}
trap stop_job EXIT
line_of() { # the line of the "MARK:$1" comment in the source
  local n
  n=$(grep -n "/\* MARK:$1 \*/" "$src" | cut -d: -f1)
  [ -n "$n" ] || fail "no MARK:$1 in $src"
  echo "$n"
}
json_check() { # FILE PYTHON-EXPRESSION-ON-d MESSAGE
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1" ||
    fail "$3 (in $1)"
}
# the first complete snapshot whose initiator's trigger is $1
snapshot_by() {
  local f
  for f in "$dir"/snaps/snap-*.h5; do
    [ -e "$f" ] || continue
    "$inspect" summary --json "$f" 2>/dev/null | grep -q "\"trigger\": \"$1\"" && { echo "$f"; return 0; }
  done
  return 1
}

rm -rf "$dir" && mkdir -p "$dir/bin" && cp "$prog_built" "$exe" || exit 2
export MPISNAP_DIR=$dir/snaps
args=()
repeat=()
[ "$mode" = names ] && args=(pingpong) && repeat=(--hang-repeat 2)
setsid timeout -s KILL 240 "$@" --hang-timeout 1 "${repeat[@]}" --log info -- "$exe" "$dir" "${args[@]}" \
  >"$dir/stdout" 2>"$dir/stderr" &
job=$!
want=hang
[ "$mode" = names ] && want=hang-repeat
for _ in $(seq 1800); do
  snapshot_by "$want" >/dev/null && break
  kill -0 "$job" 2>/dev/null || fail "the job ended without a '$want' snapshot"
  sleep 0.1
done
A=$(snapshot_by hang) || fail "no hang snapshot within 180 s"
stop_job
cd "$dir" || exit 2
base=$(basename "$src")

if [ "$mode" = tree ]; then
  "$inspect" stacks --tree --json "$A" >tree.json || fail "stacks --tree --json failed"
  "$inspect" stacks --tree "$A" >tree.txt || fail "stacks --tree failed"
  "$inspect" stacks --tree --dot "$A" >tree.dot || fail "stacks --tree --dot failed"
  "$inspect" stacks --tree --svg "$A" >tree.svg || fail "stacks --tree --svg failed"
  lw=$(line_of wait) li=$(line_of inlined) lb=$(line_of barrier)
  flat="d['nodes']"
  json_check tree.json "d['nranks'] == 64 and d['classes'] == 3" "64 ranks in 3 classes"
  json_check tree.json "[(n['count'], n['ranks']) for n in d['nodes'] if n['depth'] == 1] == [(64, '0-63')]" \
    "one top frame with all 64 ranks"
  json_check tree.json "(lambda l: len(l) == 3 and l[1] == l[2] == l[0] + 1)(sorted(n['depth'] for n in d['nodes'] if n['leaf']))" \
    "three leaves, those through wait_for_partner and inlined_wait one deeper than the barrier's"
  json_check tree.json "all(n['parent'] == 0 and n['depth'] == 1 or [p['depth'] for p in d['nodes'] if p['id'] == n['parent']] == [n['depth'] - 1] for n in d['nodes'])" \
    "every node one deeper than its parent"
  json_check tree.json "[(n['count'], n['ranks'], n['class']) for n in $flat if n['frame'] == 'wait_for_partner ($base:$lw)'] == [(3, '0-2', 2)]" \
    "wait_for_partner at line $lw: ranks 0-2, class 2"
  json_check tree.json "[(n['count'], n['ranks'], n['class']) for n in $flat if n['frame'] == 'inlined_wait ($base:$li) [inlined]'] == [(1, '3', 3)]" \
    "inlined_wait at line $li: rank 3, class 3"
  json_check tree.json "[(n['count'], n['ranks'], n['class']) for n in $flat if n['frame'] == 'main ($base:$lb)'] == [(60, '4-63', 1)]" \
    "main at the barrier (line $lb): ranks 4-63, class 1 (the largest)"
  json_check tree.json "sorted((n['count'], n['ranks']) for n in $flat if n['frame'].startswith('MPI_')) == [(1, '3'), (3, '0-2'), (60, '4-63')]" \
    "leaves: MPI_Recv for 0-2 and 3, MPI_Barrier for 4-63"
  grep -q "^ *\`- 60 \[4-63\] MPI_Barrier  (class 1)$" tree.txt || fail "text: no '60 [4-63] MPI_Barrier (class 1)' line: $(cat tree.txt)"
  [ "$(grep -o 'fillcolor="#[0-9a-f]*"' tree.dot | sort -u | wc -l)" -eq 3 ] || fail "DOT: not 3 class colours"
  grep -q 'label="60: \[4-63\]"' tree.dot || fail "DOT: no edge labelled '60: [4-63]'"
  grep -q '<svg' tree.svg && grep -q '60: \[4&#45;63\]' tree.svg || fail "SVG: no picture with the 60-rank edge"
  echo "call-prefix tree of 64 ranks as expected"
  exit 0
fi

B=$(snapshot_by hang-repeat) || fail "no hang-repeat snapshot"
grep -q "taking a second snapshot (hang watchdog repeat)" "$dir/stderr" || fail "the watchdog did not log its repeat"
lw=$(line_of wait) cw=$(line_of call_wait) li=$(line_of inlined) ci=$(line_of call_inlined) lb=$(line_of barrier)
"$inspect" stacks "$A" >named.txt || fail "stacks failed"
"$inspect" stacks --json "$A" >named.json || fail "stacks --json failed"
expect() { grep -qF -- "$2" "$1" || fail "$1: no '$2' in: $(cat "$1")"; }
reject() { grep -qF -- "$2" "$1" && fail "$1: '$2' should not be there: $(cat "$1")"; return 0; }
expect named.txt "rank 2 (1): MPI_Recv <- wait_for_partner ($base:$lw) <- main ($base:$cw) <- "
expect named.txt "rank 3 (1): MPI_Recv <- inlined_wait ($base:$li) [inlined] <- main ($base:$ci) <- "
expect named.txt "rank 4 (1): MPI_Barrier <- main ($base:$lb) <- "
expect named.txt "pingpong ($base:"
json_check named.json "any(f['function'] == 'inlined_wait' and f['inlined'] and f['line'] == $li and f['source'] == 'debug' and f['file'].endswith('/$base') for g in d['groups'] for f in g['stack'])" \
  "JSON: inlined_wait, inlined, at line $li"
json_check named.json "any(f['function'] == 'wait_for_partner' and f['line'] == $lw and f['module'] == '$exe' and len(f['build_id']) == 40 for g in d['groups'] for f in g['stack'])" \
  "JSON: wait_for_partner at line $lw in $exe, with its build-id"

"$inspect" progress "$B" "$A" >progress.txt || fail "progress failed: $(cat progress.txt)"
"$inspect" progress --json "$A" "$B" >progress.json || fail "progress --json failed"
expect progress.txt "no progress at all: ranks 2-4 (3 of 5)"
json_check progress.json "d['intervals'][0]['no_progress'] == [2, 3, 4]" "no progress: ranks 2-4"
json_check progress.json "all(r['sent'] > 0 and r['recvd'] > 0 and not r['no_progress'] for r in d['intervals'][0]['ranks'][:2])" \
  "ranks 0 and 1 sent and received since the earlier snapshot"
json_check progress.json "all(r['sent'] == 0 and r['recvd'] == 0 and not r['call_changed'] for r in d['intervals'][0]['ranks'][2:])" \
  "ranks 2-4: nothing moved"

# debug information in a separate file, found through .gnu_debuglink
objcopy --only-keep-debug "$exe" "$exe.debug" && strip --strip-debug "$exe" &&
  objcopy --add-gnu-debuglink="$exe.debug" "$exe" || fail "objcopy/strip: separate debug file"
"$inspect" stacks "$A" >debuglink.txt || fail "stacks (separate debug file) failed"
expect debuglink.txt "rank 3 (1): MPI_Recv <- inlined_wait ($base:$li) [inlined] <- main ($base:$ci) <- "
rm -f "$exe.debug"
"$inspect" stacks "$A" >symtab.txt || fail "stacks (no debug information) failed"
expect symtab.txt "rank 2 (1): MPI_Recv <- wait_for_partner+0x"
expect symtab.txt " (named_hang) <- main+0x"
reject symtab.txt "$base:"

strip --strip-all "$exe" || fail "strip --strip-all"
"$inspect" stacks "$A" >stripped.txt || fail "stacks (stripped) failed"
expect stripped.txt "rank 2 (1): MPI_Recv <- named_hang+0x"
reject stripped.txt "wait_for_partner"
reject stripped.txt "note:"

cp "$other" "$exe" || exit 2
"$inspect" stacks "$A" >changed.txt || fail "stacks (binary replaced) failed"
expect changed.txt "rank 2 (1): MPI_Recv <- named_hang+0x"
expect changed.txt " (binary changed since the run) <- "
expect changed.txt "note: $exe is not the binary that ran (build-id "
reject changed.txt "wait_for_partner"
"$inspect" stacks --json "$A" >changed.json || fail "stacks --json (binary replaced) failed"
json_check changed.json "[n['problem'] for n in d['notes']] == ['mismatch'] and not any(f['function'] for g in d['groups'] for f in g['stack'] if f['module'] == '$exe')" \
  "JSON: a mismatch note and no function name from the replaced binary"

rm -f "$exe"
"$inspect" stacks "$A" >missing.txt || fail "stacks (binary removed) failed"
expect missing.txt "named_hang+0x"
expect missing.txt " (module not found) <- "
expect missing.txt "note: $exe cannot be read (No such file or directory)"
echo "named stacks, inlined frames, progress, stripped, replaced and removed binaries as expected"
