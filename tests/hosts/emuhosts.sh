#!/usr/bin/env bash
# emuhosts.sh - emulated hosts on one machine, for multi-host MPI runs (needs root).
#
#   emuhosts.sh up STATE HOST...         make the hosts (e.g. up /tmp/emu hostA hostB)
#   emuhosts.sh down STATE               remove them, and every process still inside them
#   emuhosts.sh exec STATE HOST CMD...   run CMD on HOST (HOST "head": where mpirun runs)
#   STATE/mpirun ARGS...                 Open MPI's mpirun, on head, over the hosts' network
#
# Each host is a network namespace with its own hostname (UTS namespace) and one address,
# 10.213.0.K/24, on a virtual bridge that lives in a namespace of its own, so nothing is
# added to the machine's own network: the hosts reach each other and nothing else. A
# "head" host (10.213.0.254) runs mpirun, which starts one orted per host through
# STATE/rsh-agent, the stand-in for ssh: it enters the host's namespaces and runs the
# command line there with a fresh environment, as sshd would (pass variables with -x).
# Host names resolve through a private hosts file (STATE/etc-hosts, mounted on /etc/hosts
# inside the hosts only). Every host sees the machine's files, plus one node-local folder:
# STATE/local is, on host H, the private folder STATE/node/H (use it as a node-local
# MPISNAP_DIR; on the machine itself STATE/local stays empty).
#
# STATE/mpirun adds: the agent, the TCP transport only (btl tcp,self: every message
# crosses the bridge, even between ranks of one host), both TCP layers restricted to the
# bridge's subnet, no tree spawn, no binding. Example:
#   emuhosts.sh up /tmp/emu hostA hostB
#   /tmp/emu/mpirun -np 4 --host hostA:2,hostB:2 -x MPISNAP_INTERVAL=0.1 ./build/bin/bank
#   emuhosts.sh down /tmp/emu
# mpirun may print "plm:rsh: Warning: setpgid(...) failed in parent ... Permission denied":
# Open MPI's race with an agent that execs at once, harmless.
# Namespaces are named msnapPID-HOST, PID being the caller of "up" (the owner): "up"
# first removes those of owners that are gone (a test killed before its "down").
set -u
PREFIX=10.213.0
me=$(readlink -f "$0")
die() { echo "emuhosts.sh: $*" >&2; exit 1; }
usage() { sed -n '2,7p' "$me" | sed 's/^# \{0,1\}//'; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces); run it as root or skip"
  command -v ip >/dev/null && command -v unshare >/dev/null || die "needs ip (iproute2) and unshare (util-linux)"
}

# Kill what runs in namespace $1 (processes this script started there), then remove it.
remove_ns() {
  local ns=$1 pids
  pids=$(ip netns pids "$ns" 2>/dev/null)
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  ip netns del "$ns" 2>/dev/null
}

# Namespaces whose owner process no longer exists.
sweep_stale() {
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep '^msnap[0-9]*-'); do
    pid=${ns#msnap}; pid=${pid%%-*}
    kill -0 "$pid" 2>/dev/null || remove_ns "$ns"
  done
}

cmd_up() {
  [ $# -ge 2 ] || die "up: give a state folder and at least one host name (up /tmp/emu hostA hostB)"
  local state=$1; shift
  [ -e "$state/netns" ] && die "up: $state is in use: run 'emuhosts.sh down $state' first"
  mkdir -p "$state/node" "$state/local" || die "up: cannot create $state"
  state=$(readlink -f "$state")
  sweep_stale
  local tag=msnap${EMUHOSTS_OWNER:-$PPID} k=1 h ns
  local sw=$tag-switch
  : >"$state/netns"
  printf '127.0.0.1 localhost\n%s.254 head\n' "$PREFIX" >"$state/etc-hosts"
  ip netns add "$sw" && echo "$sw" >>"$state/netns" &&
    ip -n "$sw" link add br0 type bridge && ip -n "$sw" link set br0 up || die "up: cannot make the bridge"
  for h in head "$@"; do
    case "$h" in *[!A-Za-z0-9-]*|'') die "up: host name '$h': use letters, digits and '-'" ;; esac
    ns=$tag-$h
    ip netns add "$ns" || die "up: cannot create namespace $ns"
    echo "$ns" >>"$state/netns"
    local ip=$PREFIX.$k
    [ "$h" = head ] && ip=$PREFIX.254
    ip -n "$sw" link add "p$k" type veth peer name eth0 netns "$ns" &&
      ip -n "$sw" link set "p$k" master br0 && ip -n "$sw" link set "p$k" up &&
      ip -n "$ns" addr add "$ip/24" dev eth0 && ip -n "$ns" link set eth0 up &&
      ip -n "$ns" link set lo up || die "up: cannot connect $h to the bridge"
    [ "$h" = head ] || { printf '%s %s\n' "$ip" "$h" >>"$state/etc-hosts"; mkdir -p "$state/node/$h"; }
    echo "$h $ns $ip" >>"$state/hosts"
    k=$((k + 1))
  done
  printf '#!/bin/sh\n# rsh agent for mpirun: HOST COMMAND... (made by emuhosts.sh)\nexec %s agent %s "$@"\n' \
    "$me" "$state" >"$state/rsh-agent"
  printf '#!/bin/sh\n# mpirun on the emulated hosts of %s (made by emuhosts.sh)\nexec %s exec %s head mpirun %s "$@"\n' \
    "$state" "$me" "$state" "--mca plm_rsh_agent $state/rsh-agent --mca plm_rsh_no_tree_spawn 1 \
--mca btl tcp,self --mca btl_tcp_if_include $PREFIX.0/24 --mca oob_tcp_if_include $PREFIX.0/24 --bind-to none" \
    >"$state/mpirun"
  chmod 755 "$state/rsh-agent" "$state/mpirun"
  echo "emulated hosts up: $* (and head, where $state/mpirun runs); node-local folder: $state/local"
}

cmd_down() {
  [ $# -eq 1 ] || die "down: give the state folder"
  local state=$1 ns
  [ -f "$state/netns" ] || return 0
  for ns in $(cat "$state/netns"); do remove_ns "$ns"; done
  rm -f "$state/netns" "$state/hosts" "$state/etc-hosts" "$state/rsh-agent" "$state/mpirun"
}

# exec STATE HOST CMD...: CMD in HOST's network namespace, with its hostname, its
# node-local folder on STATE/local and the private hosts file.
cmd_exec() {
  [ $# -ge 3 ] || die "exec: give the state folder, a host and a command"
  local state=$1 h=$2; shift 2
  local ns
  ns=$(awk -v h="$h" '$1 == h { print $2 }' "$state/hosts" 2>/dev/null)
  [ -f "$state/hosts" ] || die "no emulated hosts in $state: make them first (emuhosts.sh up $state HOST...)"
  [ -n "$ns" ] || die "no emulated host '$h' in $state (hosts: $(awk '{ printf "%s ", $1 }' "$state/hosts"))"
  local node=$state/node/$h
  [ "$h" = head ] && node=$state/local
  exec ip netns exec "$ns" unshare --uts --mount --propagation private sh -c \
    'hostname "$1" && mount --bind "$2" "$3" && mount --bind "$4" /etc/hosts && shift 4 && exec "$@"' \
    sh "$h" "$node" "$state/local" "$state/etc-hosts" "$@"
}

# agent STATE HOST WORDS...: what ssh HOST WORDS... does: the words joined, run by a
# shell on HOST, in an environment of its own (PATH and HOME only).
cmd_agent() {
  local state=$1 h=$2; shift 2
  cmd_exec "$state" "$h" env -i PATH="$PATH" HOME="${HOME:-/root}" sh -c "$*"
}

[ $# -ge 1 ] || { usage; exit 2; }
case "$1" in
  -h|--help) usage; exit 0 ;;
  up) shift; need_root; cmd_up "$@" ;;
  down) shift; need_root; cmd_down "$@" ;;
  exec) shift; need_root; cmd_exec "$@" ;;
  agent) shift; cmd_agent "$@" ;;
  *) die "unknown command '$1' (up, down, exec; --help)" ;;
esac
