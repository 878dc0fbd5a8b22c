#!/usr/bin/env bash
# Runs the job-array recipe of docs/slurm-study.sh on a real Slurm: a
# single-node cluster started on this machine (Debian's slurm-wlm and munge,
# installed if missing; the daemons are started directly, without systemd),
# then checks that the merged shards equal an unsplit `cutover compare`
# byte for byte. The study is the shipped fleet (24 sites, three plans, each
# replication a whole campaign); a site scenario works the same way.
#
#   scripts/check-slurm.sh
#   SCENARIO=scenarios/failover-pair.toml RUNS=400 SHARDS=8 scripts/check-slurm.sh
#
# Needs root or passwordless sudo (the Slurm daemons run as root, munged as
# the munge user). The cluster's configuration, state and daemon logs live in
# a temporary directory; the daemons (and munged, if this script started it)
# are stopped on exit, so the check can run again. The study itself and its
# job logs are left in target/check-slurm/ to look at.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

SCENARIO=${SCENARIO:-scenarios/fleet-regional.toml}
RUNS=${RUNS:-100}
SEED=${SEED:-42}
SHARDS=${SHARDS:-4}
# Seconds to wait for the node to come up, and for the jobs to finish.
TIMEOUT=${TIMEOUT:-300}

if [[ ! -f "$SCENARIO" ]]; then
  echo "FAIL: no scenario $SCENARIO" >&2
  exit 1
fi
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo -n)

# 1. Slurm and munge, from Debian's packages. No silent skip: this check
# exists to run the recipe for real.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
  ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  { "${sudo[@]}" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
      slurm-wlm munge; } >/dev/null 2>&1 || true
fi
for tool in slurmctld slurmd sbatch squeue sinfo scontrol munged munge unmunge; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool is missing and could not be installed" \
      "(apt-get install --no-install-recommends slurm-wlm munge, as root or with passwordless sudo)" >&2
    exit 1
  fi
done
command -v python3 >/dev/null || { echo "FAIL: python3 is missing (it compares the manifests)" >&2; exit 1; }
if [[ ${#sudo[@]} -gt 0 ]] && ! sudo -n true 2>/dev/null; then
  echo "FAIL: the Slurm daemons need root: run as root or with passwordless sudo" >&2
  exit 1
fi

# The study goes to target/check-slurm/; the cluster to a temporary directory.
work="$repo/target/check-slurm"
rm -rf "$work"
mkdir -p "$work"
cluster=$(mktemp -d /tmp/check-slurm.XXXXXX)
chmod 755 "$cluster"
started_munged=""
cleanup() {
  local pidfile pid
  for pidfile in "$cluster/slurmd.pid" "$cluster/slurmctld.pid" $started_munged; do
    pid=$(cat "$pidfile" 2>/dev/null) || continue
    "${sudo[@]}" kill "$pid" 2>/dev/null || true
    # Wait for it to go, so that a second run finds the ports free.
    for _ in $(seq 50); do
      "${sudo[@]}" kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  done
  "${sudo[@]}" rm -rf "$cluster"
}
trap cleanup EXIT

logs() {
  local log
  for log in "$cluster"/slurmctld.log "$cluster"/slurmd.log; do
    echo "--- $log" >&2
    "${sudo[@]}" tail -n 40 "$log" >&2 2>/dev/null || true
  done
}

# 2a. munge: Slurm's daemons and commands authenticate through munged's
# socket. Reuse a munged that answers; otherwise start one as the munge user,
# with a key made if there is none.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  if ! "${sudo[@]}" test -s /etc/munge/munge.key; then
    "${sudo[@]}" install -d -o munge -g munge -m 700 /etc/munge
    "${sudo[@]}" dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    "${sudo[@]}" chown munge:munge /etc/munge/munge.key
    "${sudo[@]}" chmod 400 /etc/munge/munge.key
  fi
  "${sudo[@]}" install -d -o munge -g munge -m 755 /run/munge
  "${sudo[@]}" install -d -o munge -g munge -m 700 /var/log/munge /var/lib/munge
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u munge -- munged
  else
    sudo -n -u munge munged
  fi
  started_munged=/run/munge/munged.pid
  for _ in $(seq 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
  done
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    echo "FAIL: munged does not answer" >&2
    "${sudo[@]}" tail -n 20 /var/log/munge/munged.log >&2 2>/dev/null || true
    exit 1
  fi
fi

# 2b. A one-node cluster: this host, with the CPUs and memory slurmd finds
# (at least 2 CPUs, which the recipe asks for per task), reached at
# 127.0.0.1 whatever the host name resolves to. No cgroups, no accounting.
node=$(slurmd -C | head -n 1)
host=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<<"$node")
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$node")
memory=$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$node")
if [[ "$cpus" -ge 2 ]]; then
  node="${node% UpTime=*} NodeAddr=127.0.0.1"
  overrides=""
else
  node="NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=$memory"
  overrides="SlurmdParameters=config_overrides"
  cpus=2
fi
conf="$cluster/slurm.conf"
cat >"$conf" <<CONF
ClusterName=check
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
DependencyParameters=kill_invalid_depend
ReturnToService=2
MinJobAge=3600
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/slurmctld.log
SlurmdLogFile=$cluster/slurmd.log
$overrides
$node State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
mkdir -p "$cluster/state" "$cluster/spool"
export SLURM_CONF=$conf
"${sudo[@]}" slurmctld -f "$conf"
"${sudo[@]}" slurmd -f "$conf"

deadline=$((SECONDS + TIMEOUT))
until [[ $(sinfo -h -n "$host" -o %t 2>/dev/null) == idle ]]; do
  if [[ $SECONDS -ge $deadline ]]; then
    echo "FAIL: the node $host is not idle after ${TIMEOUT}s:" >&2
    sinfo -N -l >&2 || true
    logs
    exit 1
  fi
  sleep 1
done
echo "single-node Slurm up: $host, $cpus CPUs, $memory MB"

# 3. The release binary, first on the PATH (the recipe calls `cutover`);
# sbatch passes this environment, SLURM_CONF included, on to the jobs.
cargo build --release --quiet
export PATH="$repo/target/release:$PATH"

# 4. The recipe, from target/check-slurm/ (its logs/ and results go there).
scenario=$(realpath "$SCENARIO")
cd "$work"
submitted=$(SCENARIO="$scenario" RUNS="$RUNS" SEED="$SEED" OUT="$work/study" \
  ARRAY="1-$SHARDS" "$repo/docs/slurm-study.sh")
echo "$submitted"
array=$(sed -n 's/^submitted array job \([0-9]*\) .* merge job \([0-9]*\)$/\1/p' <<<"$submitted")
merge=$(sed -n 's/^submitted array job \([0-9]*\) .* merge job \([0-9]*\)$/\2/p' <<<"$submitted")
if [[ -z "$array" || -z "$merge" ]]; then
  echo "FAIL: docs/slurm-study.sh did not say which jobs it submitted" >&2
  exit 1
fi

# 5. Wait until neither job is queued or running (a merge whose dependency
# can never be met is cancelled: kill_invalid_depend), then every job record
# (each array task and the merge) must say COMPLETED with exit code 0.
deadline=$((SECONDS + TIMEOUT))
while true; do
  if ! queued=$(squeue -h -j "$array,$merge" -o %i 2>&1); then
    echo "FAIL: squeue: $queued" >&2
    logs
    exit 1
  fi
  [[ -n "$queued" ]] || break
  if [[ $SECONDS -ge $deadline ]]; then
    echo "FAIL: the jobs are not done after ${TIMEOUT}s:" >&2
    squeue -j "$array,$merge" >&2 || true
    logs
    exit 1
  fi
  sleep 1
done
if ! records=$(scontrol -o show job "$array" && scontrol -o show job "$merge"); then
  echo "FAIL: scontrol cannot show the jobs $array and $merge" >&2
  logs
  exit 1
fi
fail=0
while read -r record; do
  id=$(grep -o 'JobId=[0-9]*' <<<"$record" | head -n 1)
  task=$(grep -o 'ArrayTaskId=[0-9]*' <<<"$record" || true)
  state=$(grep -o 'JobState=[A-Z_]*' <<<"$record")
  code=$(grep -o ' ExitCode=[0-9:]*' <<<"$record" | tr -d ' ')
  if [[ "$state" != JobState=COMPLETED || "$code" != ExitCode=0:0 ]]; then
    what="merge job ${id#JobId=}"
    [[ -n "$task" ]] && what="array task ${task#ArrayTaskId=} (job ${id#JobId=})"
    echo "FAIL: $what: $state $code" >&2
    out=$(grep -o 'StdOut=[^ ]*' <<<"$record" | cut -d= -f2-)
    [[ -f "$out" ]] && { echo "--- $out" >&2; cat "$out" >&2; }
    fail=1
  fi
done <<<"$records"
tasks=$(grep -c 'ArrayTaskId=' <<<"$records" || true)
if [[ "$tasks" -ne "$SHARDS" ]]; then
  echo "FAIL: $tasks array tasks ran, not $SHARDS" >&2
  fail=1
fi
[[ "$fail" -eq 0 ]] || exit 1

# The same study unsplit. Both folders must hold the same files, among them
# runs.csv, summary.csv and diff.csv; every one (CSV files, charts) must be
# identical byte for byte, and the manifests equal but for the command that
# wrote them.
cutover compare "$scenario" --runs "$RUNS" --seed "$SEED" --quiet --out "$work/study/unsplit"
merged="$work/study/merged"
unsplit="$work/study/unsplit"
differ=()
for f in runs.csv summary.csv diff.csv manifest.json; do
  [[ -f "$merged/$f" && -f "$unsplit/$f" ]] || differ+=("$f (missing)")
done
while read -r f; do
  differ+=("$f (only in ${f%%/*})")
done < <(diff <(cd "$merged" && find . -type f | sort) <(cd "$unsplit" && find . -type f | sort) |
  sed -n 's|^< \./|merged/|p; s|^> \./|unsplit/|p')
mapfile -t files < <(comm -12 <(cd "$merged" && find . -type f ! -name manifest.json | sort) \
  <(cd "$unsplit" && find . -type f ! -name manifest.json | sort))
for f in "${files[@]}"; do
  cmp -s "$merged/$f" "$unsplit/$f" || differ+=("${f#./}")
done
if ! python3 - "$merged/manifest.json" "$unsplit/manifest.json" <<'PY'; then
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
a.pop("command", None)
b.pop("command", None)
sys.exit(a != b)
PY
  differ+=("manifest.json (beyond its command)")
fi
if [[ ${#differ[@]} -gt 0 ]]; then
  echo "FAIL: the merged study differs from the unsplit one: ${differ[*]}" >&2
  exit 1
fi
csvs=$(printf '%s\n' "${files[@]#./}" | grep -c '\.csv$' || true)
echo "ok: $SHARDS Slurm array tasks of $SCENARIO ($RUNS runs, seed $SEED) and their dependent merge" \
  "equal the unsplit run byte for byte (${#files[@]} files, $csvs of them CSV; the manifests but for their command)"
