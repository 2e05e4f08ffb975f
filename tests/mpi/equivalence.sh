#!/usr/bin/env bash
# equivalence.sh INSPECT WORKDIR -- mpiexec -n N bank args...
# The same seeded bank run, with snapshots requested by rank 0 only at the same points
# of its program, under cl and under ly. What must agree, and is asserted:
#   - every snapshot of both runs is consistent (per channel and conservation);
#   - rank 0 records during its mpisnap_request() call (no snapshot in progress), so it
#     records at the same point of its program under both algorithms: snapshot by
#     snapshot, rank 0's per-peer sent counters (fixed by bank's seeded plan) are
#     identical between the two runs, and so is the number of such snapshots;
#   - the final output is identical.
# What may differ: what rank 0 had received by then and so its balance (bank takes
# whatever has arrived), the other ranks' record points and the in-transit sets — all
# timing, and how each algorithm spreads the snapshot.
set -u
inspect=$1 work=$2; shift 3
fail() { echo "FAIL: $*"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# rank 0's sent counters per snapshot (only the snapshots it recorded inside its request)
rank0() {
  for f in "$1"/snap-*.h5; do
    "$inspect" check "$f" >/dev/null || fail "$f is not consistent"
    json=$("$inspect" summary --json "$f" | tr -d ' \n')
    r0=${json#*\"ranks\":[\{\"rank\":0,}
    r0=${r0%%\}*}
    call=$(echo "$r0" | grep -o '"call":"[^"]*"')
    [ "$call" = '"call":""' ] || continue
    echo "$r0" | grep -o '"sent":\[[0-9,]*\]'
  done
}

for algo in cl ly; do
  rm -rf "$work/$algo" && mkdir -p "$work/$algo"
  MPISNAP_ALGO=$algo MPISNAP_DIR="$work/$algo" "$@" >"$work/$algo.out" 2>"$work/$algo.err" ||
    { tail "$work/$algo.err"; fail "the $algo run failed"; }
  rank0 "$work/$algo" >"$work/$algo.rank0" || exit 1
done
n=$(wc -l <"$work/cl.rank0")
[ "$n" -ge 2 ] || fail "only $n snapshots recorded inside rank 0's request under cl"
diff "$work/cl.rank0" "$work/ly.rank0" || fail "rank 0's sent counters differ between cl and ly"
diff <(tail -n 2 "$work/cl.out") <(tail -n 2 "$work/ly.out") || fail "final outputs differ"
echo "cl and ly agree on rank 0's sent counters in $n snapshots; all snapshots consistent; same final output"
