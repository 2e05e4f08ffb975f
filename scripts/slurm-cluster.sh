#!/usr/bin/env bash
# slurm-cluster.sh start|stop|status|env — a single-host Slurm cluster from Debian's
# packages (munge, slurmctld, slurmd), for the tests and for trying the job scripts.
#
# Everything it uses lives in one private folder (MPISNAP_SLURM_HOME, default
# /run/mpisnap-slurm): its own munge key and socket, slurm.conf, state, spool, logs, pid
# files. It listens on ports 6917/6918 (not Slurm's default 6817/6818), so it neither
# needs nor disturbs a Slurm or munge already configured on the machine. The one node is
# this host, offering SLURM_CPUS (default 8) CPUs whatever it has (config_overrides).
# start is idempotent; stop cancels this cluster's jobs and ends only the daemons it
# started (by their pid files). Needs root (slurmd starts jobs as their users).
#
# Clients find it through SLURM_CONF:  eval "$(scripts/slurm-cluster.sh env)"; sbatch ...
set -euo pipefail
home=${MPISNAP_SLURM_HOME:-/run/mpisnap-slurm}
cpus=${SLURM_CPUS:-8}
conf=$home/slurm.conf
node=$(hostname -s)
ctld_port=6917 slurmd_port=6918

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  echo "usage: $0 start|stop|status|env   (folder: $home)"
}
die() { echo "slurm-cluster: $*" >&2; exit 1; }

alive() { [ -s "$home/$1.pid" ] && kill -0 "$(cat "$home/$1.pid")" 2>/dev/null; }
stop_daemon() { # name: TERM, then KILL after 10 s, of the pid this script recorded
  alive "$1" || { rm -f "$home/$1.pid"; return 0; }
  local pid; pid=$(cat "$home/$1.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  rm -f "$home/$1.pid"
}
export SLURM_CONF=$conf

write_conf() {
  local lib; lib=$(dirname "$(dpkg -L slurm-wlm-basic-plugins 2>/dev/null | grep -m1 '/mpi_pmix.so$')")
  cat >"$conf" <<EOF
# written by mpisnap's scripts/slurm-cluster.sh: one host, $cpus CPUs, private folder
ClusterName=mpisnap
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$home/munge/munge.socket
StateSaveLocation=$home/state
SlurmdSpoolDir=$home/spool
SlurmctldPidFile=$home/slurmctld.pid
SlurmdPidFile=$home/slurmd.pid
SlurmctldLogFile=$home/log/slurmctld.log
SlurmdLogFile=$home/log/slurmd.log
PluginDir=${lib:-/usr/lib/x86_64-linux-gnu/slurm-wlm}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
JobRequeue=1
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=300
SlurmdTimeout=300
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  [ "$(id -u)" -eq 0 ] || die "needs root (slurmd runs jobs as their users); run it as root or with sudo"
  for p in munged mungekey slurmctld slurmd sbatch; do
    command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] ||
      die "$p is missing: install Debian's munge slurmctld slurmd slurm-client (scripts/setup-deps.sh)"
  done
  if alive slurmctld && alive slurmd && alive munged; then
    echo "slurm-cluster: already running ($conf)"; return 0
  fi
  stop_all quiet  # a half-started or crashed cluster: begin again from its state
  install -d -m 0700 "$home" "$home/munge" "$home/state" "$home/spool" "$home/log"
  [ -s "$home/munge/munge.key" ] || mungekey --create --keyfile="$home/munge/munge.key" >/dev/null
  chmod 0600 "$home/munge/munge.key"
  write_conf
  munged --force --socket="$home/munge/munge.socket" --key-file="$home/munge/munge.key" \
    --pid-file="$home/munged.pid" --log-file="$home/log/munged.log" --seed-file="$home/munge/munged.seed" ||
    die "munged did not start: see $home/log/munged.log"
  slurmctld || die "slurmctld did not start: see $home/log/slurmctld.log"
  slurmd -N "$node" || die "slurmd did not start: see $home/log/slurmd.log"
  # the node comes up idle within seconds; a minute means something is wrong
  for _ in $(seq 600); do
    case $(sinfo -h -n "$node" -o %t 2>/dev/null) in idle*|mix*|alloc*) break ;; esac
    sleep 0.1
  done
  case $(sinfo -h -n "$node" -o %t 2>/dev/null) in
  idle*|mix*|alloc*) echo "slurm-cluster: running, node $node with $cpus CPUs; export SLURM_CONF=$conf" ;;
  *) die "node $node is '$(sinfo -h -n "$node" -o %t 2>&1)', not idle: see $home/log/slurmctld.log and slurmd.log" ;;
  esac
}

stop_all() {
  [ -d "$home" ] || { [ "${1:-}" = quiet ] || echo "slurm-cluster: not running"; return 0; }
  if alive slurmctld; then
    scancel --quiet --full --signal=KILL --state=RUNNING "--user=$(id -un)" 2>/dev/null || true
    scancel --quiet "--user=$(id -un)" 2>/dev/null || true
  fi
  stop_daemon slurmd
  stop_daemon slurmctld
  stop_daemon munged
  [ "${1:-}" = quiet ] || echo "slurm-cluster: stopped"
}

status() {
  if alive slurmctld && alive slurmd && alive munged; then
    echo "slurm-cluster: running ($conf)"
    sinfo
    squeue
  else
    echo "slurm-cluster: not running (folder $home)"; return 3
  fi
}

case ${1:-} in
start) start ;;
stop) stop_all ;;
status) status ;;
env) echo "export SLURM_CONF=$conf" ;;
-h|--help) usage ;;
*) usage >&2; exit 2 ;;
esac
