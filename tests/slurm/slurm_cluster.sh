#!/bin/bash
# A private single-node Slurm for tests: munged, slurmctld and slurmd -N localhost
# started directly (no systemd, no cgroups) with every path inside DIR, on free
# ports, so it neither needs nor touches a system Slurm. Stops exactly the daemons
# it started (their PIDs are recorded in DIR/run/pids and checked against
# /proc/PID/cmdline before any signal).
#
#   slurm_cluster.sh start DIR   # prints `export SLURM_CONF=...`; also in DIR/cluster.env
#   slurm_cluster.sh stop DIR    # cancels the cluster's jobs, stops its daemons
#   slurm_cluster.sh status DIR
#
# Exit code 77 from start means the Slurm or munge binaries are not installed.
# Facts this relies on: /work/shared/notes/platform-facts.md ("A real single-node
# Slurm without systemd").
set -euo pipefail

readonly kSkip=77
readonly kDaemons=(slurmd slurmctld munged)  # stop order: node, controller, auth

die() {
  echo "slurm_cluster: error: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 {start|stop|status} DIR" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
readonly action=$1
if [[ $action == start ]]; then
  mkdir -p "$2"
elif [[ ! -d $2 ]]; then
  echo "no cluster in $2 (no such directory)"
  [[ $action == stop ]] && exit 0
  exit 1
fi
dir=$(cd "$2" && pwd -P)
readonly dir
readonly conf=$dir/slurm.conf
readonly sock=$dir/munge/munge.socket

# A process that has exited but was not reaped (the daemons are re-parented to
# a PID 1 that may not reap) is a zombie: alive for kill -0, dead for us.
alive() {
  local pid=$1 state
  [[ -r /proc/$pid/stat ]] || return 1
  state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# Only signal a PID whose command line names this cluster's directory: a PID
# from an old pid file may have been reused by an unrelated process.
ours() {
  local pid=$1
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/"
}

stop_pid() {
  local name=$1 pid=$2 i
  if ! alive "$pid"; then return 0; fi
  if ! ours "$pid"; then
    echo "slurm_cluster: not stopping PID $pid ($name): its command line does not name $dir" >&2
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  echo "slurm_cluster: $name (PID $pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  echo "slurm_cluster: $name (PID $pid) is still running" >&2
  return 1
}

do_stop() {
  [[ -f $dir/run/pids ]] || return 0
  if [[ -f $conf ]] && command -v squeue >/dev/null && alive "$(awk '$1 == "slurmctld" {print $2}' "$dir/run/pids")"; then
    # Cancel what is still queued or running so no slurmstepd outlives slurmd.
    local jobs
    jobs=$(SLURM_CONF=$conf timeout 10 squeue -h -o %A 2>/dev/null || true)
    if [[ -n $jobs ]]; then
      # shellcheck disable=SC2086
      SLURM_CONF=$conf timeout 10 scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        [[ -z $(SLURM_CONF=$conf timeout 10 squeue -h -o %A 2>/dev/null || true) ]] && break
        sleep 0.2
      done
    fi
  fi
  local status=0 name pid
  for name in "${kDaemons[@]}"; do
    pid=$(awk -v n="$name" '$1 == n {print $2}' "$dir/run/pids")
    [[ -n $pid ]] || continue
    stop_pid "$name" "$pid" || status=1
  done
  [[ $status -eq 0 ]] && rm -f "$dir/run/pids"
  return $status
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2 i
  shift 2
  for ((i = 0; i < limit * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "slurm_cluster: timed out after ${limit} s waiting for $what" >&2
  return 1
}

pid_from() {  # pid_from FILE: the PID a daemon wrote, once it is there
  [[ -s $1 ]] && tr -d ' \n' <"$1"
}

show_logs() {
  local f
  for f in "$dir"/munge/munged.log "$dir"/log/slurmctld.log "$dir"/log/slurmd.log; do
    [[ -f $f ]] || continue
    echo "----- last lines of $f" >&2
    tail -n 25 "$f" >&2
  done
}

free_ports() {  # two distinct TCP ports nobody listens on right now
  /usr/bin/python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

node_line() {
  # `slurmd -C` describes this machine; the node is named localhost and gets
  # about 10% less memory than it reports (a node reporting less than its
  # configured RealMemory is drained).
  local line mem
  line=$(slurmd -C | head -n 1)
  mem=$(sed -nE 's/.*RealMemory=([0-9]+).*/\1/p' <<<"$line")
  [[ -n $mem ]] || die "cannot read RealMemory from \`slurmd -C\`: $line"
  line=$(sed -E "s/^NodeName=[^ ]+/NodeName=localhost NodeAddr=127.0.0.1/; s/RealMemory=[0-9]+/RealMemory=$((mem * 9 / 10))/" <<<"$line")
  echo "$line State=UNKNOWN"
}

write_conf() {
  local ctld_port=$1 slurmd_port=$2
  cat >"$conf" <<EOF
# Private single-node test cluster written by tests/slurm/slurm_cluster.sh
ClusterName=p2pgrid-test
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
ReturnToService=2
InactiveLimit=0
KillWait=5
MinJobAge=600
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$dir/plugstack.conf
$(node_line)
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  : >"$dir/plugstack.conf"
}

record_pid() {
  echo "$1 $2" >>"$dir/run/pids"
}

do_start() {
  local b
  for b in munged munge unmunge slurmctld slurmd sbatch srun scontrol sinfo squeue scancel; do
    if ! command -v "$b" >/dev/null 2>&1 && [[ ! -x /usr/sbin/$b ]]; then
      echo "slurm_cluster: $b is not installed (Debian: slurmctld slurmd slurm-client munge); skipping" >&2
      exit $kSkip
    fi
  done
  PATH=$PATH:/usr/sbin
  [[ $(id -u) -eq 0 ]] || die "must run as root: slurmd starts jobs as the submitting user and SlurmUser=root"
  # Socket paths must fit sockaddr_un (108 bytes), slurmd's step sockets included.
  [[ ${#dir} -le 80 ]] || die "$dir is too long for the cluster's UNIX sockets (max 80 characters)"

  do_stop || die "daemons of an earlier cluster in $dir are still running"
  rm -rf "${dir:?}"/{munge,state,spool,log,run,slurm.conf,plugstack.conf,cluster.env}
  mkdir -p "$dir"/{munge,state,spool,log,run}
  chmod 755 "$dir"

  # munge: a key of our own; munged runs as user munge when it exists.
  head -c 1024 /dev/urandom >"$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  local munge_args=(--socket="$sock" --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid"
                    --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed")
  if id munge >/dev/null 2>&1; then
    chown -R munge: "$dir/munge"
    runuser -u munge -- munged "${munge_args[@]}" || { show_logs; die "munged did not start"; }
  else
    munged --force "${munge_args[@]}" || { show_logs; die "munged did not start"; }
  fi
  wait_for 10 "munged's pid file" pid_from "$dir/munge/munged.pid" || { show_logs; die "munged did not start"; }
  record_pid munged "$(pid_from "$dir/munge/munged.pid")"
  munge -n -S "$sock" | unmunge -S "$sock" >/dev/null || { show_logs; die "munge credentials do not round-trip"; }

  local ports
  read -r -a ports <<<"$(free_ports)"
  write_conf "${ports[0]}" "${ports[1]}"
  export SLURM_CONF=$conf

  slurmctld -f "$conf" || { show_logs; die "slurmctld did not start"; }
  wait_for 15 "slurmctld's pid file" pid_from "$dir/run/slurmctld.pid" || { show_logs; die "slurmctld did not start"; }
  record_pid slurmctld "$(pid_from "$dir/run/slurmctld.pid")"
  wait_for 15 "slurmctld to answer" scontrol ping || { show_logs; die "slurmctld does not answer"; }

  slurmd -f "$conf" -N localhost || { show_logs; die "slurmd did not start"; }
  wait_for 15 "slurmd's pid file" pid_from "$dir/run/slurmd.pid" || { show_logs; die "slurmd did not start"; }
  record_pid slurmd "$(pid_from "$dir/run/slurmd.pid")"
  node_idle() { [[ $(sinfo -h -n localhost -o %T) == idle ]]; }
  wait_for 30 "node localhost to become idle" node_idle || {
    sinfo -N -l >&2 || true
    show_logs
    die "the node did not become idle"
  }
  echo "export SLURM_CONF=$conf" >"$dir/cluster.env"
  cat "$dir/cluster.env"
}

do_status() {
  [[ -f $dir/run/pids ]] || { echo "no cluster recorded in $dir"; return 1; }
  local name pid status=0
  while read -r name pid; do
    if alive "$pid" && ours "$pid"; then echo "$name $pid running"; else echo "$name $pid stopped"; status=1; fi
  done <"$dir/run/pids"
  return $status
}

case $action in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) usage ;;
esac
