# mpisnap-bench.sh — the benchmark campaign, the body shared by slurm-bench.sh,
# pbs-bench.sh and bench/campaign.sh (sourced, not run; the caller sets sched, job_id,
# workdir, mpisnapjob_home, mpisnapjob_submit). It runs mpisnap's benchmarks over a
# matrix and writes one CSV per benchmark (each row recording the machine, the MPI and
# the commit) and the plots of bench/plot.py into one folder:
#   overhead.csv   idle overhead: 2-rank ping-pong, plain / cl / ly, per message size
#   snapcost.csv   one snapshot: messages and time to complete, per algorithm and ranks
#   bigstate.csv   snapshot and restart of large protected state against dd, per round
# The benchmarks start their own mpirun on this node (inside the allocation).

mpisnapbench_usage() {
  cat <<EOF
usage: $mpisnapjob_submit [options]

Runs mpisnap's benchmark campaign and writes CSV files and PNG/SVG plots into one folder.

options:
  --out DIR         results folder (default WORKDIR/mpisnap-bench-JOBID)
  --ranks "N..."    rank counts of the snapshot cost (default "2 4 8 16")
  --sizes A,B,...   ping-pong message sizes in bytes (default 8,64,1024,8192,65536,1048576)
  --rounds K        alternated rounds of the ping-pong (default 5)
  --iters N         its round trips per repetition (default 20000; a tenth from 64 KiB)
  --state "MiB..."  protected state of the bandwidth benchmark, MiB in all (default "64 256")
  --state-ranks N   ranks holding it (default 4)
  --state-rounds K  alternated rounds of it (default 3)
  --quick           a small matrix in a minute or so: ranks "2 4", sizes 8,1024,65536,
                    1 round of 2000 round trips, 16 MiB of state over 2 ranks, 1 round
  --build DIR       mpisnap's build folder (default the build/ next to jobscripts/)
  -h, --help        this text
Plots: bench/plot.py (Debian's python3-matplotlib). BENCH_DIR chooses the disk of the
bandwidth benchmark (default a folder in the results folder).
EOF
}

mpisnapbench_die() { echo "mpisnap-bench: $*" >&2; exit 2; }
out="" iters=${BENCH_ITERS:-20000} ranks="2 4 8 16" sizes=8,64,1024,8192,65536,1048576 rounds=5 state="64 256" state_ranks=4 state_rounds=3
build=$mpisnapjob_home/../build
while [ $# -gt 0 ]; do
  case $1 in
  --out|--ranks|--sizes|--rounds|--iters|--state|--state-ranks|--state-rounds|--build)
    [ $# -ge 2 ] || mpisnapbench_die "$1 needs a value (see --help)"
    v=${1#--}
    printf -v "${v//-/_}" %s "$2"
    shift 2 ;;
  --quick) ranks="2 4" sizes=8,1024,65536 rounds=1 state=16 state_ranks=2 state_rounds=1 iters=2000; shift ;;
  -h|--help) mpisnapbench_usage; exit 0 ;;
  *) mpisnapbench_die "unknown option $1 (see --help)" ;;
  esac
done
for v in $ranks $rounds $iters $state $state_ranks $state_rounds; do
  case $v in ''|*[!0-9]*|0) mpisnapbench_die "'$v' is not a positive count (see --help)" ;; esac
done
case $sizes in ''|*[!0-9,]*) mpisnapbench_die "--sizes '$sizes' is not sizes in bytes separated by commas" ;; esac
bench=$mpisnapjob_home/../bench
[ -x "$build/bin/pingpong" ] || mpisnapbench_die "no benchmarks in '$build/bin': build mpisnap (cmake --build build) or give --build DIR"
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || mpisnapbench_die "no matplotlib for /usr/bin/python3: apt-get install python3-matplotlib"
build=$(cd "$build" && pwd)
out=${out:-$workdir/mpisnap-bench-$job_id}
mkdir -p "$out" || mpisnapbench_die "cannot create $out"
out=$(cd "$out" && pwd)
rm -f "$out"/*.csv
mpisnapbench_say() { echo "mpisnap-bench [$sched $job_id $(date +%H:%M:%S)]: $*"; }
{
  echo "campaign of $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname -s), $sched job $job_id"
  echo "matrix: ranks $ranks; sizes $sizes; ping-pong $rounds rounds of $iters; state $state MiB over $state_ranks ranks, $state_rounds rounds"
  echo "machine: $(nproc) cores; load at the start:$(uptime | sed 's/.*load average://')"
  echo "build: $build"
} >"$out/campaign.txt"
cat "$out/campaign.txt"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
set -o pipefail

mpisnapbench_say "idle overhead (bench/overhead.sh)"
BENCH_CSV=$out/overhead.csv BENCH_SIZES=$sizes BENCH_ITERS=$iters "$bench/overhead.sh" "$build" "$rounds" | tee "$out/overhead.txt" ||
  mpisnapbench_die "bench/overhead.sh failed"
mpisnapbench_say "snapshot cost against ranks (bench/snapcost.sh)"
BENCH_CSV=$out/snapcost.csv "$bench/snapcost.sh" "$build" $ranks | tee "$out/snapcost.txt" ||
  mpisnapbench_die "bench/snapcost.sh failed"
mpisnapbench_say "snapshot and restart bandwidth against dd (bench/bigstate.sh)"
rm -f "$out/bigstate.txt"
for mib in $state; do
  BENCH_CSV=$out/bigstate.csv BENCH_DIR=${BENCH_DIR:-$out/bigstate-files} \
    "$bench/bigstate.sh" "$build" "$mib" "$state_ranks" "$state_rounds" | tee -a "$out/bigstate.txt" ||
    mpisnapbench_die "bench/bigstate.sh $mib MiB failed"
done
/usr/bin/python3 "$bench/plot.py" "$out" || mpisnapbench_die "bench/plot.py $out failed"
mpisnapbench_say "done: $(cd "$out" && ls *.csv *.png *.svg | tr '\n' ' ')in $out"
