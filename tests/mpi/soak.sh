#!/usr/bin/env bash
# soak.sh SECONDS INSPECT BANK WORK -- MPIEXEC NPFLAG - 16 ranks of bank sending at full
# rate with a snapshot every 10 ms (MPISNAP_INTERVAL=0.01, MPISNAP_ALGO from the
# environment) for at least SECONDS.
#  - the resident memory (VmRSS) and open descriptors of every rank are read from /proc
#    every second, with the number of snapshots taken by then; the samples nearest 10%,
#    50% and 90% of the job's life (start, middle, end) are reported; from the middle
#    third of the job to the last, the least total RSS of the samples may not grow by
#    more than 5% + 4 MiB, nor the least count of descriptors by more than 3 (what a
#    snapshot in progress holds for a moment), while the snapshots go on;
#  - the job ends with the money conserved (bank's own verdict), and every snapshot
#    written passes `mpisnap-inspect check` (channels and conservation).
# The transfer count is calibrated by a short run first; the job must outlast SECONDS.
# Last line: the figures (docs/PERFORMANCE.md quotes them).
set -u
secs=$1 inspect=$2 bank=$3 work=$4; shift 5
mpiexec=$1 npflag=$2
np=16
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" || exit 2
export MPISNAP_INTERVAL=0.01 MPISNAP_LOG=warn
# the sanitized suite runs everything SNAP_TEST_SLOWDOWN times slower: snapshots as
# many times further apart, so that the job still does more than take snapshots
[ -z "${SNAP_TEST_SLOWDOWN:-}" ] ||
  MPISNAP_INTERVAL=$(awk -v k="$SNAP_TEST_SLOWDOWN" 'BEGIN { printf "%g", 0.01 * k }')
# under AddressSanitizer (the sanitized suite) freed memory waits in a quarantine of up
# to 256 MiB per process before it is reused: the RSS would grow with every snapshot until
# it is full. A small one (1 MiB: 8 grew the RSS of 16 ranks by 80 MiB through the
# middle third) fills in the first third of the run; use-after-free of recent frees is
# still caught.
[ -z "${ASAN_OPTIONS:-}" ] || export ASAN_OPTIONS=$ASAN_OPTIONS:quarantine_size_mb=1
# rank processes of the job: mpiexec's children
sample() { # label job
  local pids rss=0 fds=0 p
  pids=$(pgrep -P "$2" -x "$(basename "$bank")")
  [ "$(echo "$pids" | wc -w)" -eq $np ] || return 1
  for p in $pids; do
    r=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) && [ -n "$r" ] || return 1
    f=$(ls "/proc/$p/fd" 2>/dev/null | wc -l)
    rss=$((rss + r)) fds=$((fds + f))
  done
  echo "$1 $(ls "$work/snaps" | grep -c '^snap-.*\.h5$') $rss $fds"
}
# calibration: transfers per second per rank under snapshots, on this machine now
mkdir -p "$work/calib"
t0=$(date +%s.%N)
MPISNAP_DIR=$work/calib "$mpiexec" "$npflag" $np "$bank" --transfers 100 --quiet >"$work/calib.out" 2>&1 ||
  { tail -n 5 "$work/calib.out" >&2; fail "the calibration run failed"; }
transfers=$(awk -v t0="$t0" -v t1="$(date +%s.%N)" -v s="$secs" \
  'BEGIN { t = 100 / (t1 - t0) * s * 2; if (t > 10000000) t = 10000000; printf "%d", t }')
for attempt in 1 2 3; do
  rm -rf "$work/snaps" && mkdir -p "$work/snaps"
  start=$(date +%s)
  MPISNAP_DIR=$work/snaps "$mpiexec" "$npflag" $np "$bank" --transfers "$transfers" --quiet >"$work/job.out" 2>&1 &
  job=$!
  : >"$work/samples"
  # every second while the job lives: seconds since the start, snapshots, RSS, descriptors
  # (a sample that misses a rank, at the start and the end or when /proc answers late
  # under load, is left out; it used to end the sampling)
  while sleep 1 && kill -0 $job 2>/dev/null; do
    s=$(sample "$(($(date +%s) - start))" $job) && echo "$s" >>"$work/samples"
  done
  wait $job
  rc=$?
  elapsed=$(($(date +%s) - start))
  [ $rc -eq 0 ] || { tail -n 5 "$work/job.out" >&2; fail "the job exited with $rc"; }
  [ "$elapsed" -ge "$secs" ] && [ "$(wc -l <"$work/samples")" -ge 3 ] && break
  transfers=$((transfers * 3))
  [ $transfers -le 10000000 ] || fail "the job ended before $secs s even with bank's largest transfer count"
  echo "the job ended after $elapsed s, before $secs s: again with $transfers transfers per rank"
done
[ "$elapsed" -ge "$secs" ] || fail "the job never outlasted $secs s"
# the samples nearest 10%, 50% and 90% of the job's life
pick() { awk -v t="$1" '{ d = $1 - t; if (d < 0) d = -d; if (!n++ || d < best) { best = d; line = $0 } } END { print line }' "$work/samples"; }
{ pick $((elapsed / 10)); pick $((elapsed / 2)); pick $((elapsed * 9 / 10)); } >"$work/picked"
grep -q '^bank: total .* OK$' "$work/job.out" || { tail -n 3 "$work/job.out" >&2; fail "money not conserved"; }
n=$(ls "$work/snaps" | grep -c '^snap-.*\.h5$')
[ "$n" -ge 2 ] || fail "only $n snapshots"
ls "$work"/snaps/*.part >/dev/null 2>&1 && fail "a .part file was left"
bad=$(ls "$work"/snaps/snap-*.h5 | xargs -n 20 -P 2 "$inspect" check 2>&1 | grep -v ': consistent (' | head -n 5)
[ -z "$bad" ] || { echo "$bad" >&2; fail "a snapshot is not consistent"; }
cat "$work/picked"
read -r t1 s1 r1 f1 < <(sed -n 1p "$work/picked")
read -r t2 s2 r2 f2 < <(sed -n 2p "$work/picked")
read -r t3 s3 r3 f3 < <(sed -n 3p "$work/picked")
[ "$s3" -gt "$s2" ] || fail "no snapshot between the middle and the end samples"
# a snapshot in progress holds a few descriptors and buffers for a moment: what must not
# grow is the floor, the least of the samples in each third of the job
floor() { # column from-second to-second
  awk -v c="$1" -v a="$2" -v b="$3" '$1 >= a && $1 <= b { if (!n++ || $c < m) m = $c } END { print m + 0 }' "$work/samples"
}
third=$((elapsed / 3))
rmid=$(floor 3 $third $((2 * third))) rend=$(floor 3 $((2 * third)) "$elapsed")
fmid=$(floor 4 $third $((2 * third))) fend=$(floor 4 $((2 * third)) "$elapsed")
[ "$rend" -le $((rmid + rmid / 20 + 4096)) ] || fail "RSS grew from $rmid to $rend KiB (least of each third) while snapshots $s2..$s3 were taken"
# (a snapshot in progress holds up to 3 descriptors on a rank: the collector's memory
# file, the .part, a region's O_DIRECT writer; in a short run every sample may see one)
[ "$fend" -le $((fmid + 3)) ] || fail "open descriptors grew from $fmid to $fend (least of each third) while snapshots $s2..$s3 were taken"
echo "soak: $np ranks, ${elapsed} s, $transfers transfers per rank, $n snapshots all consistent, money conserved;" \
  "RSS (all ranks) $((r1 / 1024))/$((r2 / 1024))/$((r3 / 1024)) MiB and descriptors $f1/$f2/$f3 at $t1/$t2/$t3 s, after $s1/$s2/$s3 snapshots;" \
  "least of the middle and last thirds: RSS $((rmid / 1024))/$((rend / 1024)) MiB, descriptors $fmid/$fend"
