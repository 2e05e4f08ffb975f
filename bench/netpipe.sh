#!/usr/bin/env bash
# netpipe.sh [BUILD_DIR] [ROUNDS] - NetPIPE (Debian's netpipe-openmpi, an unmodified
# public benchmark) plain and under mpisnap-run in cl and ly modes, alternating ROUNDS
# times; prints per message size the median one-way time of each and the ratios.
set -euo pipefail
build=$(realpath "${1:-build}") rounds=${2:-5}
command -v NPopenmpi >/dev/null || { echo "netpipe.sh: NPopenmpi not found: apt-get install netpipe-openmpi" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
run() { # out-file, launcher words...
  local out=$1; shift
  (cd "$tmp" && mpirun -np 2 --bind-to core "$@" NPopenmpi -p 0 -l 8 -u 1048576 -n 2000 -o "$out" >/dev/null 2>&1)
}
for r in $(seq "$rounds"); do
  run "plain.$r"
  run "cl.$r" "$build/bin/mpisnap-run" --algo cl --
  run "ly.$r" "$build/bin/mpisnap-run" --algo ly --
done
# NetPIPE output: bytes, Mbps, seconds; the time column has 10 ns resolution, so the
# one-way time is derived from the throughput column instead: bytes*8 / (Mbps*1e6).
awk -v n="$rounds" '
  FNR == 1 { nparts = split(FILENAME, fp, "/"); split(fp[nparts], q, "."); kind = q[1] }
  { t[kind, $1] = t[kind, $1] " " ($1 * 8 / ($2 * 1e6)); sizes[$1] = 1 }
  function med(s,   a, k, i, j, x) { k = split(s, a, " "); for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j+1] = a[j]; a[j+1] = x } return a[int((k + 1) / 2)] }
  END {
    printf "%9s %11s %11s %11s %9s %9s   (one-way us, median of %d alternated rounds)\n", "bytes", "plain", "cl", "ly", "cl/plain", "ly/plain", n
    for (s in sizes) order[++m] = s + 0
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (order[j] < order[i]) { x = order[i]; order[i] = order[j]; order[j] = x }
    for (i = 1; i <= m; i++) { s = order[i]; if (s != 8 && s != 1024 && s != 65536 && s != 1048576) continue
      pl = med(t["plain", s]); c = med(t["cl", s]); l = med(t["ly", s])
      printf "%9d %11.3f %11.3f %11.3f %9.3f %9.3f\n", s, pl * 1e6, c * 1e6, l * 1e6, c / pl, l / pl }
  }' "$tmp"/plain.* "$tmp"/cl.* "$tmp"/ly.*
