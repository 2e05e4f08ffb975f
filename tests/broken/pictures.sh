#!/usr/bin/env bash
# pictures.sh INSPECT HEAD_TO_HEAD.h5 WRONG_TAG.h5 - the pictures and the grouping of
# mpisnap-inspect on two snapshots the broken tests wrote: `summary --dot` has an
# edge for the channel with a message in transit, `summary --svg` and `waits --svg`
# are SVG documents (waits exiting 3 for the deadlock), --svg without Graphviz fails
# with one line naming the package, and `stacks` groups ranks in the same place.
set -u
inspect=$1 h2h=$2 tag=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$h2h" ] && [ -f "$tag" ] || fail "run broken.head_to_head.cl and broken.wrong_tag.cl first"

"$inspect" summary --dot "$tag" | grep -qF 'r0 -> r1 [label="1 msg, 4 B"]' ||
  fail "summary --dot lacks the edge 0 -> 1"
svg=$("$inspect" summary --svg "$tag") || fail "summary --svg failed"
case "$svg" in *"<svg"*"</svg>"*) ;; *) fail "summary --svg is not SVG" ;; esac
svg=$("$inspect" waits --svg "$h2h")
[ $? -eq 3 ] || fail "waits --svg should exit 3 on a deadlock"
case "$svg" in *"<svg"*"MPI_Recv(src=1, tag=7, comm=WORLD)"*"</svg>"*) ;;
  *) fail "waits --svg does not draw rank 0's receive" ;; esac
err=$(PATH=/nonexistent "$inspect" waits --svg "$h2h" 2>&1 >/dev/null)
[ $? -eq 2 ] && echo "$err" | grep -q "graphviz" || fail "--svg without dot: '$err'"
out=$("$inspect" stacks "$h2h")
echo "$out" | grep -q "^  ranks 0, 1 (2): MPI_Recv <- " || fail "stacks: $out"
echo "$out" | grep -q "^  ranks 2, 3 (2): MPI_Barrier <- " || fail "stacks: $out"
echo "pictures and stacks as expected"
