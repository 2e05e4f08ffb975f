# csv.sh — sourced by the benchmark scripts when BENCH_CSV names a file to write: what
# each CSV row records besides its figures (bench/campaign.sh sets BENCH_CSV).
#   csv_meta_header   host,mpi,commit,date
#   csv_meta          this machine, the Open MPI it runs, the commit of the tree measured
csv_meta_header=host,mpi,commit,date
csv_meta=$(
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  host=$(hostname -s)
  mpi=$(mpirun --version 2>/dev/null | sed -n '1s/^[^(]*(\([^)]*\)) */\1 /p')
  commit=$(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)
  echo "$host,${mpi:-unknown},$commit,$(date -u +%Y-%m-%dT%H:%M:%SZ)" | tr -d '"'
)
