#!/usr/bin/env bash
# bench-server.sh: CalmDB against a replicated Redis on this machine, in one run (./calmdb bench server).
#
# Compares like with like: for each fsync policy in turn (BENCH_POLICIES, default "always everysec") it
# starts three CalmDB nodes (separate JVMs, replicating to each other) with that `fsync:` policy and a
# Redis primary with two replicas attached by REPLICAOF, every Redis with AOF and the same `appendfsync`
# policy, all on loopback with fresh data directories. CalmDB `always` (group-committed, synced before the
# reply) meets Redis `appendfsync always`; CalmDB `everysec` (acknowledged once in the log, synced once a
# second) meets Redis `appendfsync everysec`. Within a phase it runs redis-benchmark against one CalmDB node
# and the Redis primary, command by command so that both see the same machine load; measures write latency,
# replication lag at a fixed write rate and (in the last phase only: it does not depend on the fsync policy)
# replication bytes per operation; stops both clusters before the next phase, so only one pair runs at a
# time; prints one table with a column pair per policy; stops everything it started, also on failure or Ctrl-C.
#
# Environment (all optional):
#   BENCH_POLICIES="always everysec"  the fsync policies to compare, in this order
#   BENCH_CLIENTS=50              redis-benchmark -c
#   BENCH_REQUESTS_P1=100000      requests per command at -P 1
#   BENCH_REQUESTS_P16=300000     requests per command at -P 16
#   BENCH_LAG_RATE=50000          writes per second of the lag probe
#   BENCH_LAG_SECONDS=10          how long the lag probe writes
#   BENCH_SETTLE_SECONDS=30       longest wait for replicas to catch up between measurements
#   BENCH_BYTES_OPERATIONS=20000  writes per command for the bytes-on-the-wire measurement
#   BENCH_QUICK=1                 a smoke run that only checks the script works: tiny request counts and
#                                 short probes (its numbers mean nothing); explicit values above still win
#   BENCH_KEEP=1                  keep the temporary directory (logs, data) after the run
# Called by ./calmdb with CALMDB_JAVA (a JDK 21+ java), CALMDB_JVM_FLAGS and CALMDB_ROOT set; runnable directly too.
set -euo pipefail

ROOT="${CALMDB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
JAVA="${CALMDB_JAVA:-java}"
if [ -n "${BENCH_QUICK:-}" ]; then
  QUICK_REQUESTS=2000 QUICK_LAG_RATE=2000 QUICK_LAG_SECONDS=2 QUICK_SETTLE_SECONDS=10 QUICK_BYTES_OPERATIONS=2000
  QUICK_IDLE_SECONDS=1
fi
POLICIES=(${BENCH_POLICIES:-always everysec})
CLIENTS="${BENCH_CLIENTS:-50}"
REQUESTS_P1="${BENCH_REQUESTS_P1:-${QUICK_REQUESTS:-100000}}"
REQUESTS_P16="${BENCH_REQUESTS_P16:-${QUICK_REQUESTS:-300000}}"
LAG_RATE="${BENCH_LAG_RATE:-${QUICK_LAG_RATE:-50000}}"
LAG_SECONDS="${BENCH_LAG_SECONDS:-${QUICK_LAG_SECONDS:-10}}"
KEYSPACE_SIZE=100000          # redis-benchmark -r: keys are spread over this many names
BYTES_OPERATIONS="${BENCH_BYTES_OPERATIONS:-${QUICK_BYTES_OPERATIONS:-20000}}"  # writes per command, bytes measurement
IDLE_SECONDS=${QUICK_IDLE_SECONDS:-5}  # how long the idle replication traffic is measured
LATENCY_REQUESTS=${QUICK_REQUESTS:-20000}  # requests of the single-client latency measurement
START_TIMEOUT_SECONDS=60
SETTLE_TIMEOUT_SECONDS="${BENCH_SETTLE_SECONDS:-${QUICK_SETTLE_SECONDS:-30}}"  # longest catch-up wait between measurements
COMMANDS=(set get incr sadd)
DEPTHS=(1 16)
for policy in "${POLICIES[@]}"; do
  case "$policy" in
    always|everysec) ;;
    *) printf 'bench server: BENCH_POLICIES may name always and everysec (the policies both systems share), got %s\n' "$policy" >&2; exit 2 ;;
  esac
done

note() { printf 'bench server: %s\n' "$*" >&2; }
die() { note "$*"; exit 1; }

"$ROOT/scripts/install-deps.sh" >&2 || die "could not install redis-server and redis-tools"
for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/calmdb-bench-server.XXXXXX")
PIDS=()
# Stops the processes whose PIDs are given: SIGTERM, a bounded wait (10 s each), then SIGKILL.
stop_pids() {
  local pid waited
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
    kill -9 "$pid" 2>/dev/null || true
  done
}
# Stops every process this script started and still runs, by PID.
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_pids "${PIDS[@]}"
  if [ "$status" -ne 0 ] || [ -n "${BENCH_KEEP:-}" ]; then
    note "logs and data kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A loopback port nothing listens on and that this run has not handed out yet.
USED_PORTS=" "
free_port() {
  local port
  while true; do
    port=$((20000 + RANDOM % 40000))
    case "$USED_PORTS" in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      USED_PORTS="$USED_PORTS$port "
      printf '%s\n' "$port"
      return 0
    fi
  done
}

# Polls until "$@" succeeds, for at most START_TIMEOUT_SECONDS.
await() {
  local what=$1; shift
  local deadline=$((SECONDS + START_TIMEOUT_SECONDS))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out waiting for $what (logs in $WORK)"
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------------------
# CalmDB: three nodes, one JVM each, with the phase's fsync policy.
REGIONS=(virginia frankfurt tokyo)
declare -A RESP_PORT REPLICATION_PORT HTTP_PORT
CLASSPATH="$ROOT/calmdb-server/target/test-classes:$ROOT/calmdb-server/target/classes:$ROOT/calmdb-server/target/lib/*"
JAVA_FLAGS=(${CALMDB_JVM_FLAGS:---enable-native-access=ALL-UNNAMED} -Xms512m -Xmx1g ${CALMDB_JAVA_OPTS:-})
CALM_PIDS=()
calm_links_up() {
  local port=$1
  [ "$(redis-cli -p "$port" INFO replication | tr -d '\r' | grep -c 'state=up')" -eq 2 ]
}
calm_fsync_is() {
  redis-cli -p "$1" INFO persistence | tr -d '\r' | grep -qx "fsync_policy:$2"
}
start_calmdb() {
  local fsync=$1 region peer
  for region in "${REGIONS[@]}"; do
    RESP_PORT[$region]=$(free_port); REPLICATION_PORT[$region]=$(free_port); HTTP_PORT[$region]=$(free_port)
  done
  CALM_PIDS=()
  for region in "${REGIONS[@]}"; do
    local dir="$WORK/$fsync/calmdb/$region"
    mkdir -p "$dir"
    {
      printf 'cluster: bench\nreplica: %s\ndataDirectory: %s\nfsync: %s\n' "$region" "$dir/data" "$fsync"
      printf 'resp: { host: 127.0.0.1, port: %s }\n' "${RESP_PORT[$region]}"
      printf 'http: { host: 127.0.0.1, port: %s }\n' "${HTTP_PORT[$region]}"
      printf 'replication: { host: 127.0.0.1, port: %s }\npeers:\n' "${REPLICATION_PORT[$region]}"
      for peer in "${REGIONS[@]}"; do
        [ "$peer" = "$region" ] && continue
        printf '  - { replica: %s, host: 127.0.0.1, port: %s }\n' "$peer" "${REPLICATION_PORT[$peer]}"
      done
    } > "$dir/node.yaml"
    "$JAVA" "${JAVA_FLAGS[@]}" -cp "$CLASSPATH" io.calmdb.server.cli.CalmDb server --config "$dir/node.yaml" \
      > "$dir/node.log" 2>&1 &
    PIDS+=($!); CALM_PIDS+=($!)
  done
  CALM=${RESP_PORT[virginia]}
  CALM_PEER=${RESP_PORT[frankfurt]}
  for region in "${REGIONS[@]}"; do
    await "CalmDB $region to answer PING" redis-cli -p "${RESP_PORT[$region]}" PING
  done
  for region in "${REGIONS[@]}"; do
    await "CalmDB $region's links to come up" calm_links_up "${RESP_PORT[$region]}"
    calm_fsync_is "${RESP_PORT[$region]}" "$fsync" || die "CalmDB $region does not report fsync_policy:$fsync in INFO persistence"
  done
  note "CalmDB fsync $fsync: three nodes up and linked (RESP ${RESP_PORT[*]})"
}

# ---------------------------------------------------------------------------------------------------------
# Redis: a primary and two replicas, all with AOF and the phase's appendfsync policy. The replicas keep an
# AOF too, as every CalmDB node logs what it applies; RDB snapshots are off everywhere (--save "").
REDIS_PIDS=()
start_redis_server() {
  local fsync=$1 port=$2; shift 2
  local dir="$WORK/$fsync/redis/$port"
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly yes --appendfsync "$fsync" \
    --save "" --daemonize no --logfile "$dir/redis.log" "$@" &
  PIDS+=($!); REDIS_PIDS+=($!)
}
redis_replicas_online() {
  [ "$(redis-cli -p "$REDIS" INFO replication | tr -d '\r' | grep -c 'state=online')" -eq 2 ]
}
redis_fsync_is() {
  [ "$(redis-cli -p "$1" CONFIG GET appendfsync | tr -d '\r' | sed -n 2p)" = "$2" ]
}
start_redis() {
  local fsync=$1 port
  REDIS=$(free_port)
  REDIS_REPLICAS=("$(free_port)" "$(free_port)")
  REDIS_PIDS=()
  start_redis_server "$fsync" "$REDIS"
  for port in "${REDIS_REPLICAS[@]}"; do start_redis_server "$fsync" "$port" --replicaof 127.0.0.1 "$REDIS"; done
  await "Redis to answer PING" redis-cli -p "$REDIS" PING
  await "both Redis replicas to be online" redis_replicas_online
  for port in "$REDIS" "${REDIS_REPLICAS[@]}"; do
    redis_fsync_is "$port" "$fsync" || die "Redis on port $port does not report appendfsync $fsync"
  done
  note "Redis appendfsync $fsync: primary $REDIS with replicas ${REDIS_REPLICAS[*]} online"
}

# Stops both clusters of a phase, so that the next phase has the machine to itself.
stop_phase() {
  local pid remaining=()
  stop_pids "${CALM_PIDS[@]}" "${REDIS_PIDS[@]}"
  for pid in "${PIDS[@]}"; do
    case " ${CALM_PIDS[*]} ${REDIS_PIDS[*]} " in *" $pid "*) ;; *) remaining+=("$pid") ;; esac
  done
  PIDS=(${remaining[@]+"${remaining[@]}"})
  CALM_PIDS=(); REDIS_PIDS=()
}

calm_sent_bytes() {
  redis-cli -p "$CALM" INFO replication | tr -d '\r' | sed -n 's/.*sent_bytes=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}
calm_caught_up() {
  local lags
  lags=$(redis-cli -p "$CALM" INFO replication | tr -d '\r' | sed -n 's/.*,lag=\([0-9-]*\),.*/\1/p' | sort -u)
  [ "$lags" = "0" ]
}
redis_offset() { redis-cli -p "$REDIS" INFO replication | tr -d '\r' | sed -n 's/^master_repl_offset:\([0-9]*\)$/\1/p'; }
redis_caught_up() {
  local offset; offset=$(redis_offset)
  [ "$(redis-cli -p "$REDIS" INFO replication | tr -d '\r' | grep -c "offset=$offset,")" -eq 2 ]
}
calm_sent() {
  [ "$(redis-cli -p "$CALM" INFO replication | tr -d '\r' | sed -n 's/.*,queued=\([0-9]*\),.*/\1/p' | sort -u)" = "0" ]
}
# Lets both clusters' replicas catch up before the next measurement, so that one test's replication backlog
# does not run during the next; a cluster that does not catch up in time is reported and the run goes on.
settle() {
  local deadline=$((SECONDS + SETTLE_TIMEOUT_SECONDS))
  until calm_caught_up && redis_caught_up; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      note "replicas still behind after ${SETTLE_TIMEOUT_SECONDS}s: $(redis-cli -p "$CALM" INFO replication | tr -d '\r' | grep '^peer' | tr '\n' ' ')"
      return 0
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------------------
# Measurements. Results are stored under "<system>-<policy> <command or label> <depth>", for example
# "calmdb-always set 1" and "redis-always set 1".
declare -A RPS P50 P99
# Runs redis-benchmark; stores ops/s and latency percentiles under "target command depth".
run_benchmark() {
  local target=$1 port=$2 command=$3 depth=$4 requests=$5 clients=${6:-$CLIENTS} label=${7:-}
  local csv row
  csv=$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$clients" -n "$requests" -P "$depth" -r "$KEYSPACE_SIZE" \
    -t "$command" --csv 2>>"$WORK/redis-benchmark.err") || die "redis-benchmark failed against $target ($command -P $depth)"
  row=$(printf '%s\n' "$csv" | tr -d '"' | awk -F, -v name="${command^^}" '$1 == name { print; exit }')
  [ -n "$row" ] || die "no $command row in redis-benchmark output against $target: $csv"
  local key="$target ${label:-$command} $depth"
  RPS[$key]=$(printf '%s' "$row" | cut -d, -f2)
  P50[$key]=$(printf '%s' "$row" | cut -d, -f5)
  P99[$key]=$(printf '%s' "$row" | cut -d, -f7)
  note "$(printf '%-15s %-5s -P %-2s %12s ops/s  p50 %s ms  p99 %s ms' "$target" "$command" "$depth" "${RPS[$key]}" \
    "${P50[$key]}" "${P99[$key]}")"
}

# Throughput: each command and depth against CalmDB and then Redis, back to back; then the write latency of
# one client without pipelining (no queueing behind other clients).
measure_throughput() {
  local fsync=$1 depth command requests
  for depth in "${DEPTHS[@]}"; do
    requests=$REQUESTS_P1; [ "$depth" -gt 1 ] && requests=$REQUESTS_P16
    for command in "${COMMANDS[@]}"; do
      settle
      run_benchmark "calmdb-$fsync" "$CALM" "$command" "$depth" "$requests"
      settle
      run_benchmark "redis-$fsync" "$REDIS" "$command" "$depth" "$requests"
    done
  done
  settle
  run_benchmark "calmdb-$fsync" "$CALM" set 1 "$LATENCY_REQUESTS" 1 set-single
  run_benchmark "redis-$fsync" "$REDIS" set 1 "$LATENCY_REQUESTS" 1 set-single
}

# Bytes on the wire per replicated operation.
# CalmDB: the bytes the write node sent on each peer link while it replicated N writes (once its send queues
# to both peers are empty), minus what the link carries when idle (anti-entropy) over the same time.
declare -A CALM_BYTES REDIS_BYTES
measure_bytes() {
  local command before after started elapsed idle_before idle_started idle_bytes_per_second
  settle
  idle_before=$(calm_sent_bytes); idle_started=$(date +%s%N); sleep "$IDLE_SECONDS"
  idle_bytes_per_second=$(( ($(calm_sent_bytes) - idle_before) * 1000000000 / ($(date +%s%N) - idle_started) ))
  for command in set incr sadd; do
    before=$(calm_sent_bytes); started=$(date +%s%N)
    redis-benchmark -h 127.0.0.1 -p "$CALM" -c 10 -n "$BYTES_OPERATIONS" -r "$KEYSPACE_SIZE" -t "$command" -q >/dev/null 2>>"$WORK/redis-benchmark.err"
    await "CalmDB to send every delta to its peers" calm_sent
    after=$(calm_sent_bytes); elapsed=$(( $(date +%s%N) - started ))
    CALM_BYTES[$command]=$(awk -v d=$((after - before)) -v idle="$idle_bytes_per_second" -v ns="$elapsed" -v n="$BYTES_OPERATIONS" \
      'BEGIN { printf "%.1f", (d - idle * ns / 1e9) / 2 / n }')
    settle
    before=$(redis_offset)
    redis-benchmark -h 127.0.0.1 -p "$REDIS" -c 10 -n "$BYTES_OPERATIONS" -r "$KEYSPACE_SIZE" -t "$command" -q >/dev/null 2>>"$WORK/redis-benchmark.err"
    after=$(redis_offset)
    REDIS_BYTES[$command]=$(awk -v d=$((after - before)) -v n="$BYTES_OPERATIONS" 'BEGIN { printf "%.1f", d / n }')
  done
}
probe() { "$JAVA" ${CALMDB_JVM_FLAGS:-} -cp "$CLASSPATH" io.calmdb.server.bench.ReplicationProbe "$@"; }

# Replication lag at a fixed write rate (see ReplicationProbe for the method).
declare -A LAG
measure_lag() {
  local target=$1 write_port=$2 read_port=$3 output
  if ! output=$(probe lag 127.0.0.1 "$write_port" "$read_port" "$LAG_RATE" "$LAG_SECONDS" 2>>"$WORK/probe.err"); then
    note "the lag probe failed against $target: $(tail -n 3 "$WORK/probe.err" | tr '\n' ' ')"
    output="lag_p50_millis=failed"
  fi
  while IFS='=' read -r name value; do LAG["$target $name"]=$value; done <<< "$output"
  note "$target lag: $(printf '%s' "$output" | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------------------------------------
# The phases: one pair of clusters at a time, with the same fsync policy on both sides.
for fsync in "${POLICIES[@]}"; do
  note "phase: CalmDB fsync $fsync against Redis appendfsync $fsync"
  start_calmdb "$fsync"
  start_redis "$fsync"
  measure_throughput "$fsync"
  if [ "$fsync" = "${POLICIES[${#POLICIES[@]}-1]}" ]; then
    measure_bytes
  fi
  settle
  measure_lag "calmdb-$fsync" "$CALM" "$CALM_PEER"
  settle
  measure_lag "redis-$fsync" "$REDIS" "${REDIS_REPLICAS[0]}"
  stop_phase
done
declare -A DELTA
while IFS='=' read -r name value; do DELTA[${name#delta_bytes_}]=$value; done < <(probe delta-size)

# ---------------------------------------------------------------------------------------------------------
# The table.
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { if (v !~ /^[0-9.]+$/) { print "n/a"; exit } ok = (dir == "min") ? v + 0 >= t + 0 : v + 0 <= t + 0; print ok ? "met" : "missed" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
echo
echo "## ./calmdb bench server: CalmDB (3 nodes) vs Redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') (primary + 2 replicas, AOF), same fsync policy on both sides: ${POLICIES[*]}"
echo
echo "redis-benchmark -c $CLIENTS -r $KEYSPACE_SIZE, -n $REQUESTS_P1 at -P 1 and $REQUESTS_P16 at -P 16; load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "${BENCH_QUICK:-}" ] && echo && echo "BENCH_QUICK smoke run: tiny request counts, the numbers mean nothing."
echo
line="| Command | Pipeline |"; rule="|---|---|"
for fsync in "${POLICIES[@]}"; do
  line="$line CalmDB $fsync ops/s | Redis $fsync ops/s | CalmDB / Redis ($fsync), target >= 1.0x |"; rule="$rule---:|---:|---:|"
done
echo "$line"; echo "$rule"
for depth in "${DEPTHS[@]}"; do
  for command in "${COMMANDS[@]}"; do
    line="| ${command^^} | $depth |"
    for fsync in "${POLICIES[@]}"; do
      c=${RPS[calmdb-$fsync $command $depth]}; r=${RPS[redis-$fsync $command $depth]}; q=$(ratio "$c" "$r")
      line="$line $(printf '%.0f | %.0f | %s %s' "$c" "$r" "$q" "$(verdict "$q" 1.0 min)") |"
    done
    echo "$line"
  done
done
echo
line="| Measure |"; rule="|---|"
for fsync in "${POLICIES[@]}"; do line="$line CalmDB $fsync | Redis $fsync |"; rule="$rule---:|---:|"; done
echo "$line Target |"; echo "$rule---|"
# Prints one row: the label, then for each policy the CalmDB and the Redis cell made by the function named
# in $2 (called with system-policy), then the target cell made by the function named in $3 (or empty).
row() {
  local label=$1 cell=$2 target=${3:-} fsync line
  line="| $label |"
  for fsync in "${POLICIES[@]}"; do line="$line $("$cell" "calmdb-$fsync") | $("$cell" "redis-$fsync") |"; done
  printf '%s %s |\n' "$line" "$([ -n "$target" ] && "$target")"
}
single_latency() { printf '%s / %s' "${P50[$1 set-single 1]}" "${P99[$1 set-single 1]}"; }
clients_latency() { printf '%s / %s' "${P50[$1 set 1]}" "${P99[$1 set 1]}"; }
probe_latency() { printf '%s / %s' "${LAG[$1 write_latency_p50_millis]:-n/a}" "${LAG[$1 write_latency_p99_millis]:-n/a}"; }
probe_rate() { printf '%s' "${LAG[$1 rate_acknowledged_per_second]:-n/a}"; }
lag_cell() { printf '%s / %s (%s)' "${LAG[$1 lag_p50_millis]:-n/a}" "${LAG[$1 lag_p99_millis]:-n/a}" "${LAG[$1 lag_max_millis]:-n/a}"; }
lag_target() {
  local fsync text="p99 < 10 ms:"
  for fsync in "${POLICIES[@]}"; do text="$text $fsync $(verdict "${LAG[calmdb-$fsync lag_p99_millis]:-n/a}" 10 max)"; done
  printf '%s' "$text"
}
poll_cell() { printf '%s' "${LAG[$1 observer_poll_micros]:-n/a}"; }
row "SET latency p50 / p99, 1 client, ms" single_latency
row "SET latency p50 / p99, $CLIENTS clients -P 1, ms" clients_latency
row "INCR latency p50 / p99 at $LAG_RATE writes/s, ms" probe_latency
row "writes/s the lag probe achieved (target $LAG_RATE)" probe_rate
row "replication lag p50 / p99 (max) at $LAG_RATE writes/s, ms" lag_cell lag_target
row "lag observer poll interval, us" poll_cell
echo
echo "Bytes on the wire do not depend on the fsync policy; measured once, in the ${POLICIES[${#POLICIES[@]}-1]} phase."
echo
echo "| Measure | CalmDB | Redis | Target |"
echo "|---|---:|---:|---|"
for command in set incr sadd; do
  printf '| %s bytes on the wire per replicated op (per peer); encoded delta %s B | %s (%sx delta) | %s | <= 2x delta: %s |\n' \
    "${command^^}" "${DELTA[$command]:-n/a}" "${CALM_BYTES[$command]:-n/a}" "$(ratio "${CALM_BYTES[$command]:-n/a}" "${DELTA[$command]:-n/a}")" \
    "${REDIS_BYTES[$command]:-n/a}" "$(verdict "$(ratio "${CALM_BYTES[$command]:-n/a}" "${DELTA[$command]:-n/a}")" 2.0 max)"
done
