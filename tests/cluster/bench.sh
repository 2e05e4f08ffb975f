#!/usr/bin/env bash
# bench.sh BUILD JOBSCRIPTS WORKDIR — a small benchmark campaign end to end under Slurm:
# sbatch slurm-bench.sh --quick; the job completes; each CSV has its rows, the machine,
# Open MPI and the commit, and sane values (ratios positive and plausible, cl's messages at least
# N(N-1), times and bandwidths positive); the PNG and SVG plots are real images. Then
# pbs-bench.sh under a faked PBS job reaches the same body (a bad option, refused by it).
set -u
build=$1 jobscripts=$2 work=$3
. "$(dirname "$0")/lib.sh"
find_slurm
export OMPI_MCA_mpi_yield_when_idle=1
fresh_work "$work"
j=$(sbatch --parsable -n 4 -J mpisnap-test-bench -o "$work/bench.out" "$jobscripts/slurm-bench.sh" \
  --quick --build "$build" --out "$work/results") || fail "sbatch refused slurm-bench.sh"
wait_job "$j"
[ "$(job_state "$j")" = COMPLETED ] || { cat "$work/bench.out"; fail "the campaign job ended $(job_state "$j") $(job_exit "$j")"; }
r=$work/results
/usr/bin/python3 - "$r" "$(hostname -s)" <<'PY' || fail "the campaign's results are not sane (above)"
import csv, os, sys
d, host = sys.argv[1], sys.argv[2]
bad = []
def load(name, min_rows):
    rows = list(csv.DictReader(open(os.path.join(d, name))))
    if len(rows) < min_rows: bad.append(f"{name}: {len(rows)} rows, expected {min_rows}")
    for r in rows:
        if r["host"] != host or "Open MPI" not in r["mpi"] or not r["commit"] or r["commit"] == "unknown":
            bad.append(f"{name}: machine/MPI/commit not recorded: {r['host']}, {r['mpi']}, {r['commit']}")
            break
    return rows
for r in load("overhead.csv", 3):
    if not float(r["plain_us"]) > 0: bad.append(f"overhead: plain latency {r['plain_us']} us")
    for a in ("cl_ratio", "ly_ratio"):
        # plausible, not fast: a 1-round ping-pong on a loaded machine swings widely
        if not 0.01 < float(r[a]) < 1000: bad.append(f"overhead: {a} {r[a]} at {r['size_bytes']} B")
for r in load("snapcost.csv", 4):
    n, m = int(r["ranks"]), int(r["messages"])
    if r["algo"] == "cl" and m < n * (n - 1): bad.append(f"snapcost: cl took {m} messages at {n} ranks, fewer than N(N-1)")
    if m <= 0 or not float(r["complete_ms"]) > 0: bad.append(f"snapcost: {r}")
for r in load("bigstate.csv", 1):
    for k in ("dd_write_s", "snapshot_s", "dd_read_s", "init_s"):
        if not float(r[k]) > 0: bad.append(f"bigstate: {k} = {r[k]}")
    if not float(r["restart_with_init_s"]) > 0: bad.append("bigstate: no restart time")
for name in ("overhead", "snapcost", "bandwidth"):
    png = open(os.path.join(d, name + ".png"), "rb").read()
    svg = open(os.path.join(d, name + ".svg")).read()
    if not png.startswith(b"\x89PNG") or len(png) < 5000: bad.append(f"{name}.png is not a plot ({len(png)} bytes)")
    if "<svg" not in svg or svg.count("<path") < 10: bad.append(f"{name}.svg is not a plot")
print("\n".join(bad) if bad else "campaign results sane: " + " ".join(sorted(os.listdir(d))))
sys.exit(1 if bad else 0)
PY
for _ in 1 2; do hostname; done >"$work/nodefile"
out=$(env -u SLURM_JOB_ID PBS_JOBID=7.fakepbs PBS_NODEFILE="$work/nodefile" PBS_O_WORKDIR="$work" \
  MPISNAPJOB_HOME="$jobscripts" MPISNAPBENCH_ARGS="--ranks 2,4" bash "$jobscripts/pbs-bench.sh" 2>&1)
[ $? -eq 2 ] && [ "$out" = "mpisnap-bench: '2,4' is not a positive count (see --help)" ] ||
  fail "pbs-bench.sh under PBS did not reach the campaign's body: $out"
echo "pbs-bench.sh reaches the same body: $out"
