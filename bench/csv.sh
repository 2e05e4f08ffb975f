# csv.sh — sourced by the benchmark scripts when BENCH_CSV names a file to write: what
# each CSV row records besides its figures (bench/campaign.sh sets BENCH_CSV).
#   csv_meta_header   host,mpi,commit,date
#   csv_meta          this machine, the Open MPI it runs, the commit of the code measured
csv_meta_header=host,mpi,commit,date
csv_meta=$(
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  host=$(hostname -s)
  mpi=$(mpirun --version 2>/dev/null | sed -n '1s/^[^(]*(\([^)]*\)) */\1 /p')
  # the commit, "-modified" when the measured code (lib, tools, examples, bench) differs from it
  commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [ -z "$(git -C "$src" status --porcelain -- lib tools examples bench CMakeLists.txt 2>/dev/null)" ] || commit=$commit-modified
  echo "$host,${mpi:-unknown},$commit,$(date -u +%Y-%m-%dT%H:%M:%SZ)" | tr -d '"'
)
