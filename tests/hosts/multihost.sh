#!/usr/bin/env bash
# multihost.sh CASE INSPECT BANK BANK_PLAIN JACOBI WORKDIR -- MPIEXEC NPFLAG
# Jobs of 4 ranks on two emulated hosts (emuhosts.sh: network namespaces on a virtual
# bridge, hostnames of their own, Open MPI over TCP only, started through an rsh agent),
# MPISNAP_ALGO from the environment. Needs root, else skipped (exit 77). CASE:
#  traffic   bank with periodic and requested snapshots, ranks 0-1 on hostA, 2-3 on
#            hostB: every snapshot consistent, messages in transit, every channel between
#            the hosts carried messages (per-channel counts in the files) and bytes
#            crossed the bridge; the file names each rank's host, the log lines name
#            rank@host as the file does; the balances are those of bank without mpisnap.
#  dirs      jacobi with 5 MiB per rank (ranks write their own regions into the file):
#            a shared MPISNAP_DIR, where hostB's ranks write theirs; a node-local one
#            (the same path, a folder of each host's own), where the files are on hostA
#            only (the collector, rank 0, writes them) and hostB's ranks send their bytes
#            instead, said once; a restart there is refused in one line naming the host
#            without the file, then, with the file copied to hostB, gives the
#            uninterrupted checksum with the ranks on the other hosts.
#  restart   bank and jacobi crashed with ranks 0-1 on hostA and 2-3 on hostB, restarted
#            from the newest snapshot with the placement swapped: the uninterrupted run's
#            balances and checksum; the restarted run's snapshots show the new placement.
set -u
case_=$1 inspect=$2 bank=$3 plain=$4 jacobi=$5 work=$6; shift 7
mpiexec=$1 npflag=$2
here=$(cd "$(dirname "$0")" && pwd)
emu=$here/emuhosts.sh
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: emulated hosts need root (network namespaces)"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: no ip command (Debian package iproute2)"; exit 77; }
unshare --net --uts true 2>/dev/null || { echo "SKIP: cannot create network namespaces here"; exit 77; }
unshare --net sh -c 'ip link add b0 type bridge && ip link add v0 type veth peer name v1' 2>/dev/null ||
  { echo "SKIP: the kernel offers no bridge or veth devices here"; exit 77; }

rm -rf "$work" && mkdir -p "$work"
state=$work/emu
trap '"$emu" down "$state"' EXIT
trap 'exit 1' INT TERM
"$emu" up "$state" hostA hostB >/dev/null || fail "could not make the emulated hosts"
AB=hostA:2,hostB:2 BA=hostB:2,hostA:2
# mpirun on the emulated hosts; MPISNAP_* variables are passed with -x, as on a cluster
emurun() { # hosts env... -- args...
  local hosts=$1; shift
  local xs=()
  while [ "$1" != "--" ]; do xs+=(-x "$1"); shift; done; shift
  # the sanitized suite's settings (tests/sanitize/env.cmake.in) reach the ranks too;
  # but not LeakSanitizer: on an emulated host its tracer thread (which stops the
  # process's threads to scan them) dies of SIGSEGV at exit ("Tracer caught signal 11",
  # "LeakSanitizer has encountered a fatal error"), failing every job. ASan and UBSan stay.
  if [ -n "${ASAN_OPTIONS:-}" ]; then local ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0; export ASAN_OPTIONS; fi
  for v in LD_PRELOAD ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do [ -z "${!v:-}" ] || xs+=(-x "$v"); done
  "$state/mpirun" -np 4 --host "$hosts" -x MPISNAP_ALGO "${xs[@]}" "$@"
}
checked() { # dir min: every snapshot in dir consistent, at least min of them
  local files=("$1"/snap-*.h5)
  [ -e "${files[0]}" ] && [ ${#files[@]} -ge "$2" ] || fail "$1: fewer than $2 snapshots"
  "$inspect" check "${files[@]}" >"$work/check.out" 2>&1 || { grep -v ': consistent' "$work/check.out"; fail "$1: not consistent"; }
}
hosts_of() { # file: the host of each rank, in rank order, space-separated
  "$inspect" summary --json "$1" | python3 -c '
import json, sys
print(" ".join(r["host"] for r in sorted(json.load(sys.stdin)["ranks"], key=lambda r: r["rank"])))'
}
placed() { # "hosts of ranks 0..3" files...: every snapshot file shows that placement
  local want=$1; shift
  "$inspect" summary --json "$@" | python3 -c '
import json, sys
docs = json.load(sys.stdin)
for d in docs if isinstance(docs, list) else [docs]:
    got = " ".join(r["host"] for r in sorted(d["ranks"], key=lambda r: r["rank"]))
    if got != sys.argv[1]: sys.exit("%s: ranks on %r, expected %r" % (d["file"], got, sys.argv[1]))' "$want" ||
    fail "ranks placed otherwise than on $want"
}
log_hosts_agree() { # out file: every "mpisnap[R@H]" log prefix names the host the file gives rank R
  local want=($(hosts_of "$2")) r h n=0
  while read -r r h; do
    [ "$h" = "${want[$r]}" ] || fail "a log line says rank $r is on $h, the file says ${want[$r]}"
    n=$((n + 1))
  done < <(grep -oE '^mpisnap\[[0-9]+@[^]]+\]' "$1" | sed -E 's/mpisnap\[([0-9]+)@(.*)\]/\1 \2/' | sort -u)
  [ "$n" -ge 2 ] || fail "log lines name $n rank@host pairs, expected both hosts"
}
bank_args=(--transfers 2400 --seed 21 --safepoint-every 40 --quiet)
bank_verdict() { grep -E '^(balances:|bank: total)' "$1"; }
jac_args=(--n 256 --iters 100 --snapshot-every 20)
checksum() { grep '^checksum:' "$1"; }

case "$case_" in
traffic)
  "$mpiexec" "$npflag" 4 "$plain" --transfers 1500 --seed 4 --quiet >"$work/ref.out" 2>&1 || fail "the reference run failed"
  d=$work/snaps
  emurun $AB MPISNAP_DIR=$d MPISNAP_INTERVAL=0.2 MPISNAP_LOG=debug -- \
    "$bank" --transfers 1500 --seed 4 --request-every 97 --quiet >"$work/run.out" 2>&1 ||
    { tail -n 20 "$work/run.out"; fail "the job on two hosts failed"; }
  # (the verdict lines only: other ranks' debug lines may come after them)
  [ -n "$(bank_verdict "$work/ref.out")" ] || fail "the reference run printed no balances"
  [ "$(bank_verdict "$work/run.out")" = "$(bank_verdict "$work/ref.out")" ] ||
    fail "final balances differ from bank without mpisnap: $(bank_verdict "$work/run.out")"
  checked "$d" 3
  placed "hostA hostA hostB hostB" "$d"/snap-*.h5
  newest=$(ls "$d"/snap-*.h5 | tail -n 1)
  log_hosts_agree "$work/run.out" "$newest"
  grep -q '^mpisnap\[0@hostA\]: snapshot [0-9]* complete' "$work/run.out" || fail "no 'mpisnap[0@hostA]: snapshot N complete' line"
  grep -q '^mpisnap\[[23]@hostB\]: recorded snapshot' "$work/run.out" || fail "no log line of a hostB rank recording a snapshot"
  # per-channel counts: every channel between the hosts, both ways, carried messages, and
  # some snapshot holds messages in transit on one of them
  "$inspect" summary --json "$d"/snap-*.h5 >"$work/summary.json" || fail "summary --json failed"
  "$inspect" messages --json "$d"/snap-*.h5 >"$work/messages.json" || fail "messages --json failed"
  transit=$(python3 - "$work/summary.json" "$work/messages.json" <<'PY'
import json, sys
summaries, messages = (json.load(open(p)) for p in sys.argv[1:3])
for d in summaries[-1:]:  # the newest: counts are cumulative, an early snapshot may precede a channel's first message
    ranks = {r["rank"]: r for r in d["ranks"]}
    host = {k: r["host"] for k, r in ranks.items()}
    cross = [(i, j) for i in ranks for j in ranks if host[i] != host[j]]
    idle = [(i, j) for i, j in cross if ranks[i]["sent"][j] == 0 or ranks[j]["recvd"][i] == 0]
    if idle: sys.exit("%s: channels between hosts without messages: %s" % (d["file"], idle))
print(sum(1 for d in messages for m in d["messages"] if (m["src"] < 2) != (m["dst"] < 2)))
PY
) || fail "per-channel counts: $transit"
  # the bytes went over the bridge: hostB's interface (eth0 in its namespace) carried them
  rx=$(ip -n "$(awk '$1 == "hostB" { print $2 }' "$state/hosts")" -s -j link show eth0 | python3 -c '
import json, sys; s = json.load(sys.stdin)[0]["stats64"]; print(s["rx"]["bytes"] + s["tx"]["bytes"])')
  [ "$rx" -gt 100000 ] || fail "only $rx bytes crossed hostB's network interface"
  echo "traffic: $(ls "$d"/snap-*.h5 | wc -l) snapshots over two hosts, consistent, $transit messages in transit" \
    "between hosts, $rx bytes through hostB's interface, hosts in files and log lines agree, same balances"
  ;;
dirs)
  big=(--n 1600 --iters 100 --snapshot-every 20) # 1600 x 1600 doubles: 5 MiB per rank of 4
  "$mpiexec" "$npflag" 4 "$jacobi" "${big[@]}" >"$work/ref.out" 2>&1 || fail "the reference run failed"
  want=$(checksum "$work/ref.out")
  # a shared folder: every rank writes its own regions, hostB's included
  d=$work/shared
  emurun $AB MPISNAP_DIR=$d MPISNAP_LOG=debug -- "$jacobi" "${big[@]}" >"$d.out" 2>&1 ||
    { tail -n 20 "$d.out"; fail "the job with a shared MPISNAP_DIR failed"; }
  [ "$(checksum "$d.out")" = "$want" ] || fail "shared MPISNAP_DIR: another checksum"
  # (4 requests; one that comes while the 20 MiB of the one before are still being
  # written joins it: 3 snapshots in one run under load, in CI from a fresh clone)
  checked "$d" 2
  placed "hostA hostA hostB hostB" "$d"/snap-*.h5
  for r in 2 3; do
    grep -q "^mpisnap\[$r@hostB\]: snapshot [0-9]*: this rank's regions written" "$d.out" ||
      fail "shared MPISNAP_DIR: rank $r on hostB did not write its own regions"
  done
  grep -q "sending the regions to the collector" "$d.out" && fail "shared MPISNAP_DIR: a rank sent its regions"
  echo "shared MPISNAP_DIR: $(ls "$d"/snap-*.h5 | wc -l) snapshots, consistent, hostB's ranks wrote their own regions"
  # a node-local folder: $state/local is another folder on each host
  d=$state/local
  emurun $AB MPISNAP_DIR=$d MPISNAP_LOG=info -- "$jacobi" "${big[@]}" --crash-at 85 >"$work/local.1.out" 2>&1 &&
    fail "the run meant to crash did not"
  a=$state/node/hostA b=$state/node/hostB
  ls "$b"/snap-* >/dev/null 2>&1 && fail "node-local MPISNAP_DIR: files on hostB, where no collector runs"
  checked "$a" 2
  for r in 2 3; do
    n=$(grep -c "^mpisnap\[$r@hostB\]: warning: snapshot [0-9]*: cannot write into the snapshot file (.*on host hostB): sending the regions to the collector" "$work/local.1.out")
    [ "$n" -eq 1 ] || fail "node-local MPISNAP_DIR: rank $r on hostB said $n times that it sends its regions, expected once"
  done
  n=$(grep -c "^mpisnap\[0@hostA\]: snapshot [0-9]*: rank [23] could not write its regions (.*on host hostB)" "$work/local.1.out")
  [ "$n" -eq 1 ] || fail "node-local MPISNAP_DIR: the collector said $n times that it writes regions of hostB's ranks"
  newest=$(ls "$a"/snap-*.h5 | tail -n 1)
  bytes=$("$inspect" summary --json "$newest" | python3 -c '
import json, sys
print(min(g["bytes"] for r in json.load(sys.stdin)["ranks"] for g in r["regions"] if g["name"] == "grid"))')
  [ "$bytes" -gt 4194304 ] || fail "node-local MPISNAP_DIR: a rank's grid holds $bytes bytes"
  echo "node-local MPISNAP_DIR: $(ls "$a"/snap-*.h5 | wc -l) snapshots on hostA only, consistent, hostB's ranks sent their regions (said once each)"
  # restart there from the first snapshot: hostB has no file, which is said in one line
  first=$a/snap-000001.h5
  emurun $AB MPISNAP_DIR=$d MPISNAP_RESTART=$d/snap-000001.h5 -- "$jacobi" "${big[@]}" >"$work/local.2.out" 2>&1 &&
    fail "a restart from a file hostB has not did not fail"
  grep -q "^mpisnap: $d/snap-000001.h5: no such file on host hostB (rank 2): every rank reads the snapshot on its own node" \
    "$work/local.2.out" || { cat "$work/local.2.out"; fail "the refusal does not name hostB"; }
  # copied there (as a job script would, e.g. with sbcast), with the ranks on the other hosts
  cp -p "$first" "$b/" || fail "cannot copy the snapshot to hostB"
  emurun $BA MPISNAP_DIR=$d MPISNAP_RESTART=$d/snap-000001.h5 MPISNAP_LOG=warn -- "$jacobi" "${big[@]}" \
    >"$work/local.3.out" 2>&1 || { tail -n 20 "$work/local.3.out"; fail "restart from the node-local copies failed"; }
  grep -q '^jacobi: .*(restarted)' "$work/local.3.out" || fail "the run did not restart"
  [ "$(checksum "$work/local.3.out")" = "$want" ] || fail "restart from node-local copies: another checksum"
  mv "$b/snap-000001.h5" "$work/copy.h5"
  checked "$b" 2 # the restarted run's, on hostB now (rank 0's host)
  placed "hostB hostB hostA hostA" "$b"/snap-*.h5
  echo "node-local restart: refused in one line without the file on hostB; with it copied there, ranks 0-1 on hostB: same checksum"
  ;;
restart)
  "$mpiexec" "$npflag" 4 "$plain" "${bank_args[@]}" >"$work/bank.ref" 2>&1 || fail "the bank reference run failed"
  "$mpiexec" "$npflag" 4 "$jacobi" "${jac_args[@]}" >"$work/jac.ref" 2>&1 || fail "the jacobi reference run failed"
  d=$work/bank
  emurun $AB MPISNAP_DIR=$d MPISNAP_LOG=warn -- "$bank" "${bank_args[@]}" --request-every 120 --crash-at 1300 \
    >"$d.1.out" 2>&1 && fail "the bank run meant to crash did not"
  checked "$d" 2
  placed "hostA hostA hostB hostB" "$d"/snap-*.h5
  first=$(ls "$d"/snap-*.h5 | tail -n 1)
  moved=$("$inspect" messages "$first" | head -n 1 | awk '{ print $2 }')
  emurun $BA MPISNAP_DIR=$d MPISNAP_LOG=warn MPISNAP_RESTART=latest -- "$bank" "${bank_args[@]}" --request-every 120 \
    >"$d.2.out" 2>&1 || { tail -n 20 "$d.2.out"; fail "the bank restart on swapped hosts failed"; }
  [ "$(bank_verdict "$d.2.out")" = "$(bank_verdict "$work/bank.ref")" ] ||
    fail "bank restarted on swapped hosts: $(bank_verdict "$d.2.out")"
  mkdir -p "$d/after" && for f in "$d"/snap-*.h5; do [ "$f" \> "$first" ] && mv "$f" "$d/after/"; done
  checked "$d/after" 1
  placed "hostB hostB hostA hostA" "$d"/after/snap-*.h5
  echo "bank: crashed on hostA:2,hostB:2, restarted from $(basename "$first") ($moved messages in transit) on" \
    "hostB:2,hostA:2: same balances"
  d=$work/jacobi
  emurun $AB MPISNAP_DIR=$d MPISNAP_LOG=warn -- "$jacobi" "${jac_args[@]}" --crash-at 85 >"$d.1.out" 2>&1 &&
    fail "the jacobi run meant to crash did not"
  checked "$d" 2
  # from the second snapshot (iteration 40), so the restarted run takes snapshots too: with
  # the ids that follow, they replace the crashed run's files of the same names
  from=$(ls "$d"/snap-*.h5 | sed -n 2p)
  emurun $BA MPISNAP_DIR=$d MPISNAP_LOG=warn MPISNAP_RESTART=$from -- "$jacobi" "${jac_args[@]}" >"$d.2.out" 2>&1 ||
    { tail -n 20 "$d.2.out"; fail "the jacobi restart on swapped hosts failed"; }
  grep -q '^jacobi: .*(restarted)' "$d.2.out" || fail "jacobi did not restart"
  [ "$(checksum "$d.2.out")" = "$(checksum "$work/jac.ref")" ] || fail "jacobi restarted on swapped hosts: another checksum"
  mkdir -p "$d/after" && for f in "$d"/snap-*.h5; do [ "$f" \> "$from" ] && mv "$f" "$d/after/"; done
  checked "$d/after" 1
  placed "hostB hostB hostA hostA" "$d"/after/snap-*.h5
  echo "jacobi: crashed on hostA:2,hostB:2, restarted from $(basename "$from") on hostB:2,hostA:2: same checksum," \
    "$(ls "$d"/after | wc -l) snapshots after it with the new placement"
  ;;
*) fail "unknown case '$case_' (traffic, dirs, restart)" ;;
esac
exit 0
