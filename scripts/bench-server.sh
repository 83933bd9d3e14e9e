#!/usr/bin/env bash
# bench-server.sh: CalmDB against a replicated Redis on this machine, in one run (./calmdb bench server).
#
# Starts three CalmDB nodes (separate JVMs, fsync batch, replicating to each other) and a Redis primary
# (AOF, appendfsync everysec) with two replicas attached by REPLICAOF, all on loopback with fresh data
# directories; runs redis-benchmark against one CalmDB node and the Redis primary, command by command so
# that both see the same machine load; measures write latency, replication lag at a fixed write rate and
# replication bytes per operation; prints one table; stops everything it started, also on failure or Ctrl-C.
#
# Environment (all optional):
#   BENCH_CLIENTS=50              redis-benchmark -c
#   BENCH_REQUESTS_P1=100000      requests per command at -P 1
#   BENCH_REQUESTS_P16=300000     requests per command at -P 16
#   BENCH_LAG_RATE=50000          writes per second of the lag probe
#   BENCH_LAG_SECONDS=10          how long the lag probe writes
#   BENCH_SETTLE_SECONDS=30       longest wait for replicas to catch up between measurements
#   BENCH_KEEP=1                  keep the temporary directory (logs, data) after the run
# Called by ./calmdb with CALMDB_JAVA (a JDK 21+ java), CALMDB_JVM_FLAGS and CALMDB_ROOT set; runnable directly too.
set -euo pipefail

ROOT="${CALMDB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
JAVA="${CALMDB_JAVA:-java}"
CLIENTS="${BENCH_CLIENTS:-50}"
REQUESTS_P1="${BENCH_REQUESTS_P1:-100000}"
REQUESTS_P16="${BENCH_REQUESTS_P16:-300000}"
LAG_RATE="${BENCH_LAG_RATE:-50000}"
LAG_SECONDS="${BENCH_LAG_SECONDS:-10}"
KEYSPACE_SIZE=100000          # redis-benchmark -r: keys are spread over this many names
BYTES_OPERATIONS=20000        # writes per command for the bytes-on-the-wire measurement
START_TIMEOUT_SECONDS=60
SETTLE_TIMEOUT_SECONDS="${BENCH_SETTLE_SECONDS:-30}"  # how long to let the peers catch up between measurements
COMMANDS=(set get incr sadd)
DEPTHS=(1 16)

note() { printf 'bench server: %s\n' "$*" >&2; }
die() { note "$*"; exit 1; }

"$ROOT/scripts/install-deps.sh" >&2 || die "could not install redis-server and redis-tools"
for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/calmdb-bench-server.XXXXXX")
PIDS=()
# Stops every process this script started, by PID: SIGTERM, a bounded wait, then SIGKILL.
cleanup() {
  local status=$? pid waited
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
    kill -9 "$pid" 2>/dev/null || true
  done
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
# CalmDB: three nodes, one JVM each.
REGIONS=(virginia frankfurt tokyo)
declare -A RESP_PORT REPLICATION_PORT HTTP_PORT
for region in "${REGIONS[@]}"; do
  RESP_PORT[$region]=$(free_port); REPLICATION_PORT[$region]=$(free_port); HTTP_PORT[$region]=$(free_port)
done
CLASSPATH="$ROOT/calmdb-server/target/test-classes:$ROOT/calmdb-server/target/classes:$ROOT/calmdb-server/target/lib/*"
JAVA_FLAGS=(${CALMDB_JVM_FLAGS:---enable-native-access=ALL-UNNAMED} -Xms512m -Xmx1g ${CALMDB_JAVA_OPTS:-})
for region in "${REGIONS[@]}"; do
  mkdir -p "$WORK/calmdb/$region"
  {
    printf 'cluster: bench\nreplica: %s\ndataDirectory: %s\nfsync: batch\n' "$region" "$WORK/calmdb/$region/data"
    printf 'resp: { host: 127.0.0.1, port: %s }\n' "${RESP_PORT[$region]}"
    printf 'http: { host: 127.0.0.1, port: %s }\n' "${HTTP_PORT[$region]}"
    printf 'replication: { host: 127.0.0.1, port: %s }\npeers:\n' "${REPLICATION_PORT[$region]}"
    for peer in "${REGIONS[@]}"; do
      [ "$peer" = "$region" ] && continue
      printf '  - { replica: %s, host: 127.0.0.1, port: %s }\n' "$peer" "${REPLICATION_PORT[$peer]}"
    done
  } > "$WORK/calmdb/$region/node.yaml"
  "$JAVA" "${JAVA_FLAGS[@]}" -cp "$CLASSPATH" io.calmdb.server.cli.CalmDb server --config "$WORK/calmdb/$region/node.yaml" \
    > "$WORK/calmdb/$region/node.log" 2>&1 &
  PIDS+=($!)
done
CALM=${RESP_PORT[virginia]}
CALM_PEER=${RESP_PORT[frankfurt]}
calm_links_up() {
  local port=$1
  [ "$(redis-cli -p "$port" INFO replication | tr -d '\r' | grep -c 'state=up')" -eq 2 ]
}
for region in "${REGIONS[@]}"; do
  await "CalmDB $region to answer PING" redis-cli -p "${RESP_PORT[$region]}" PING
done
for region in "${REGIONS[@]}"; do
  await "CalmDB $region's links to come up" calm_links_up "${RESP_PORT[$region]}"
done
note "CalmDB: three nodes up and linked (RESP ${RESP_PORT[*]})"

# ---------------------------------------------------------------------------------------------------------
# Redis: a primary with AOF everysec and two replicas. The replicas keep an AOF too, as every CalmDB node
# logs what it applies; RDB snapshots are off everywhere (--save "").
REDIS=$(free_port)
REDIS_REPLICAS=("$(free_port)" "$(free_port)")
start_redis() {
  local port=$1; shift
  mkdir -p "$WORK/redis/$port"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$WORK/redis/$port" --appendonly yes --appendfsync everysec \
    --save "" --daemonize no --logfile "$WORK/redis/$port/redis.log" "$@" &
  PIDS+=($!)
}
start_redis "$REDIS"
for port in "${REDIS_REPLICAS[@]}"; do start_redis "$port" --replicaof 127.0.0.1 "$REDIS"; done
redis_replicas_online() {
  [ "$(redis-cli -p "$REDIS" INFO replication | tr -d '\r' | grep -c 'state=online')" -eq 2 ]
}
await "Redis to answer PING" redis-cli -p "$REDIS" PING
await "both Redis replicas to be online" redis_replicas_online
note "Redis: primary $REDIS with replicas ${REDIS_REPLICAS[*]} online"

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
# Throughput: each command and depth against CalmDB and then Redis, back to back.
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
  note "$(printf '%-6s %-5s -P %-2s %12s ops/s  p50 %s ms  p99 %s ms' "$target" "$command" "$depth" "${RPS[$key]}" \
    "${P50[$key]}" "${P99[$key]}")"
}
for depth in "${DEPTHS[@]}"; do
  requests=$REQUESTS_P1; [ "$depth" -gt 1 ] && requests=$REQUESTS_P16
  for command in "${COMMANDS[@]}"; do
    settle
    run_benchmark calmdb "$CALM" "$command" "$depth" "$requests"
    settle
    run_benchmark redis "$REDIS" "$command" "$depth" "$requests"
  done
done

# Write latency of one client without pipelining (no queueing behind other clients).
LATENCY_REQUESTS=20000
settle
run_benchmark calmdb "$CALM" set 1 "$LATENCY_REQUESTS" 1 set-single
run_benchmark redis "$REDIS" set 1 "$LATENCY_REQUESTS" 1 set-single

# ---------------------------------------------------------------------------------------------------------
# Bytes on the wire per replicated operation.
# CalmDB: the bytes the write node sent on each peer link while it replicated N writes (once its send queues
# to both peers are empty), minus what the link carries when idle (anti-entropy) over the same time.
settle
idle_before=$(calm_sent_bytes); idle_started=$(date +%s%N); sleep 5
idle_bytes_per_second=$(( ($(calm_sent_bytes) - idle_before) * 1000000000 / ($(date +%s%N) - idle_started) ))
declare -A CALM_BYTES REDIS_BYTES
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
probe() { "$JAVA" ${CALMDB_JVM_FLAGS:-} -cp "$CLASSPATH" io.calmdb.server.bench.ReplicationProbe "$@"; }
declare -A DELTA
while IFS='=' read -r name value; do DELTA[${name#delta_bytes_}]=$value; done < <(probe delta-size)

# ---------------------------------------------------------------------------------------------------------
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
settle
measure_lag calmdb "$CALM" "$CALM_PEER"
settle
measure_lag redis "$REDIS" "${REDIS_REPLICAS[0]}"

# ---------------------------------------------------------------------------------------------------------
# The table.
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { if (v !~ /^[0-9.]+$/) { print "n/a"; exit } ok = (dir == "min") ? v + 0 >= t + 0 : v + 0 <= t + 0; print ok ? "met" : "missed" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
echo
echo "## ./calmdb bench server: CalmDB (3 nodes, fsync batch) vs Redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') (primary + 2 replicas, AOF everysec)"
echo
echo "redis-benchmark -c $CLIENTS -r $KEYSPACE_SIZE, -n $REQUESTS_P1 at -P 1 and $REQUESTS_P16 at -P 16; load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| Command | Pipeline | CalmDB ops/s | Redis ops/s | CalmDB / Redis | Target >= 1.0x |"
echo "|---|---|---:|---:|---:|---|"
for depth in "${DEPTHS[@]}"; do
  for command in "${COMMANDS[@]}"; do
    c=${RPS[calmdb $command $depth]}; r=${RPS[redis $command $depth]}; q=$(ratio "$c" "$r")
    printf '| %s | %s | %.0f | %.0f | %s | %s |\n' "${command^^}" "$depth" "$c" "$r" "$q" "$(verdict "$q" 1.0 min)"
  done
done
echo
echo "| Measure | CalmDB | Redis | Target |"
echo "|---|---:|---:|---|"
printf '| SET latency p50 / p99, 1 client, ms | %s / %s | %s / %s | |\n' "${P50[calmdb set-single 1]}" "${P99[calmdb set-single 1]}" \
  "${P50[redis set-single 1]}" "${P99[redis set-single 1]}"
printf '| SET latency p50 / p99, %s clients -P 1, ms | %s / %s | %s / %s | |\n' "$CLIENTS" "${P50[calmdb set 1]}" "${P99[calmdb set 1]}" \
  "${P50[redis set 1]}" "${P99[redis set 1]}"
printf '| INCR latency p50 / p99 at %s writes/s, ms | %s / %s | %s / %s | |\n' "$LAG_RATE" \
  "${LAG[calmdb write_latency_p50_millis]:-n/a}" "${LAG[calmdb write_latency_p99_millis]:-n/a}" \
  "${LAG[redis write_latency_p50_millis]:-n/a}" "${LAG[redis write_latency_p99_millis]:-n/a}"
printf '| writes/s the lag probe achieved (target %s) | %s | %s | |\n' "$LAG_RATE" \
  "${LAG[calmdb rate_acknowledged_per_second]:-n/a}" "${LAG[redis rate_acknowledged_per_second]:-n/a}"
printf '| replication lag p50 / p99 (max) at %s writes/s, ms | %s / %s (%s) | %s / %s (%s) | p99 < 10 ms: %s |\n' "$LAG_RATE" \
  "${LAG[calmdb lag_p50_millis]:-n/a}" "${LAG[calmdb lag_p99_millis]:-n/a}" "${LAG[calmdb lag_max_millis]:-n/a}" \
  "${LAG[redis lag_p50_millis]:-n/a}" "${LAG[redis lag_p99_millis]:-n/a}" "${LAG[redis lag_max_millis]:-n/a}" \
  "$(verdict "${LAG[calmdb lag_p99_millis]:-n/a}" 10 max)"
printf '| lag observer poll interval, us | %s | %s | |\n' "${LAG[calmdb observer_poll_micros]:-n/a}" "${LAG[redis observer_poll_micros]:-n/a}"
for command in set incr sadd; do
  printf '| %s bytes on the wire per replicated op (per peer); encoded delta %s B | %s (%sx delta) | %s | <= 2x delta: %s |\n' \
    "${command^^}" "${DELTA[$command]:-n/a}" "${CALM_BYTES[$command]:-n/a}" "$(ratio "${CALM_BYTES[$command]:-n/a}" "${DELTA[$command]:-n/a}")" \
    "${REDIS_BYTES[$command]:-n/a}" "$(verdict "$(ratio "${CALM_BYTES[$command]:-n/a}" "${DELTA[$command]:-n/a}")" 2.0 max)"
done
