package io.calmdb.server.node;

import static io.calmdb.server.node.TestCluster.REGIONS;
import static io.calmdb.server.node.TestCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.server.node.PubSubCommandsTest.Wire;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * TIME, CONFIG, CLIENT KILL and LIST filters, and the INFO sections Redis fills, against a real node; the expected
 * replies and error lines were taken from redis-server 7.0.15.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerCommandsTest {
    private TestCluster cluster;
    private int port;

    @BeforeAll
    void start(@TempDir Path directory) {
        cluster = new TestCluster(directory);
        port = cluster.node(REGIONS.get(0)).respPort();
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    /** The fields of one INFO reply, by name. */
    private static Map<String, String> fields(String info) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : info.split("\r\n")) {
            int colon = line.indexOf(':');
            if (!line.startsWith("#") && colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return fields;
    }

    @Test
    void time_answersTheUnixTimeInSecondsAndMicroseconds() {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
            long before = System.currentTimeMillis() / 1000;
            List<String> time = jedis.time();
            long after = System.currentTimeMillis() / 1000;
            assertThat(Long.parseLong(time.get(0))).isBetween(before, after);
            assertThat(Long.parseLong(time.get(1))).isBetween(0L, 999_999L);
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.TIME, "x"))
                    .hasMessage("ERR wrong number of arguments for 'time' command");
        }
    }

    @Test
    void configGet_answersKnownParameters_andAnEmptyMapForAnUnknownOne() throws IOException {
        try (Wire wire = new Wire(port); Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
            wire.send("CONFIG", "GET", "nosuch");
            wire.expect("*0\r\n");
            String portText = Integer.toString(port);
            // In the node's order of parameters, whatever the order of the patterns.
            String expected = "*4\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n$4\r\nport\r\n$" + portText.length() + "\r\n"
                    + portText + "\r\n";
            assertThat(wire.call(expected, "CONFIG", "GET", "port", "appendonly")).isEqualTo(expected);
            assertThat(jedis.configGet("appendfsync")).containsExactly(Map.entry("appendfsync", "always"));
            assertThat(jedis.configGet("*max*")).containsKeys("maxclients", "maxmemory", "maxmemory-policy",
                    "keyspace-queue-tasks-max");
            assertThat(jedis.configGet("proto-max-bulk-len")).containsEntry("proto-max-bulk-len", "16777216");
            wire.send("HELLO", "3");
            wire.send("CONFIG", "GET", "databases");
            String map = "%1\r\n$9\r\ndatabases\r\n$1\r\n1\r\n";
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().endsWith(map)) {
                seen.append(wire.read("x"));
            }
            wire.send("CONFIG", "GET");
            wire.expect("-ERR wrong number of arguments for 'config|get' command\r\n");
        }
    }

    @Test
    void configSet_refusesUnknownImmutableDuplicateAndInvalid_withRedisWording_andSetsTheScriptTimeLimit() {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
            assertThatThrownBy(() -> jedis.configSet("nosuch", "1"))
                    .hasMessage("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
            assertThatThrownBy(() -> jedis.configSet("databases", "2"))
                    .hasMessage("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
                            + "immutable config");
            assertThatThrownBy(() -> jedis.configSet("busy-reply-threshold", "abc"))
                    .hasMessage("ERR CONFIG SET failed (possibly related to argument 'busy-reply-threshold') - "
                            + "argument couldn't be parsed into an integer");
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.CONFIG, "SET", "busy-reply-threshold", "1",
                    "lua-time-limit", "2")).hasMessage("ERR CONFIG SET failed (possibly related to argument "
                            + "'lua-time-limit') - duplicate parameter");
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.CONFIG, "SET", "busy-reply-threshold", "1",
                    "lua-time-limit")).hasMessage("ERR syntax error");
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.CONFIG, "SET"))
                    .hasMessage("ERR wrong number of arguments for 'config|set' command");
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.CONFIG, "FOO"))
                    .hasMessage("ERR unknown subcommand 'FOO'. Try CONFIG HELP.");
            // A refused CONFIG SET changes nothing, not even the parameters before the refused one.
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.CONFIG, "SET", "busy-reply-threshold",
                    "1234", "port", "1")).hasMessageContaining("can't set immutable config");
            assertThat(jedis.configGet("busy-reply-threshold")).containsEntry("busy-reply-threshold", "5000");
            try {
                assertThat(jedis.configSet("busy-reply-threshold", "2500")).isEqualTo("OK");
                assertThat(jedis.configGet("lua-time-limit")).containsEntry("lua-time-limit", "2500");
                assertThat(cluster.node(REGIONS.get(0)).scripting().timeLimitMillis()).isEqualTo(2500);
            } finally {
                jedis.configSet("busy-reply-threshold", "5000");
            }
        }
    }

    @Test
    void commandAndErrorStatistics_countCallsRejectionsAndFailures_andResetstatClearsThem() {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
            assertThat(jedis.configResetStat()).isEqualTo("OK");
            jedis.set("stats-key", "text");
            jedis.get("stats-key");
            jedis.get("stats-key");
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.GET)).isInstanceOf(JedisDataException.class);
            assertThatThrownBy(() -> jedis.incr("stats-key")).isInstanceOf(JedisDataException.class);
            assertThatThrownBy(() -> jedis.sendCommand(() -> "NOSUCHCOMMAND".getBytes()))
                    .isInstanceOf(JedisDataException.class);
            Map<String, String> commands = fields(jedis.info("commandstats"));
            assertThat(commands.get("cmdstat_get")).matches(
                    "calls=2,usec=\\d+,usec_per_call=\\d+\\.\\d\\d,rejected_calls=1,failed_calls=0");
            assertThat(commands.get("cmdstat_incr")).matches(
                    "calls=1,usec=\\d+,usec_per_call=\\d+\\.\\d\\d,rejected_calls=0,failed_calls=1");
            assertThat(commands).containsKey("cmdstat_config|resetstat");
            Map<String, String> errors = fields(jedis.info("errorstats"));
            assertThat(errors).containsEntry("errorstat_ERR", "count=3");
            assertThat(fields(jedis.info("stats"))).containsEntry("total_error_replies", "3");

            assertThat(jedis.configResetStat()).isEqualTo("OK");
            assertThat(fields(jedis.info("commandstats")).keySet()).containsExactly("cmdstat_config|resetstat");
            assertThat(fields(jedis.info("errorstats"))).isEmpty();
        }
    }

    @Test
    void info_fillsMemoryStatsCpuAndClients_asRedisNamesThem_andDefaultLeavesOutCommandstats() {
        try (Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
            Map<String, String> memory = fields(jedis.info("memory"));
            assertThat(Long.parseLong(memory.get("used_memory"))).isPositive();
            assertThat(memory.get("used_memory_human")).matches("\\d+(\\.\\d\\d[KMGT])?B?");
            assertThat(Long.parseLong(memory.get("used_memory_rss"))).isPositive();
            assertThat(memory).containsKeys("used_memory_peak", "used_memory_peak_human", "total_system_memory",
                    "mem_fragmentation_ratio").containsEntry("maxmemory", "0")
                    .containsEntry("maxmemory_policy", "noeviction");
            Map<String, String> cpu = fields(jedis.info("cpu"));
            assertThat(cpu.keySet()).containsExactly("used_cpu_sys", "used_cpu_user", "used_cpu_sys_children",
                    "used_cpu_user_children", "used_cpu_sys_main_thread", "used_cpu_user_main_thread");
            cpu.values().forEach(value -> assertThat(value).matches("\\d+\\.\\d{6}"));
            assertThat(Double.parseDouble(cpu.get("used_cpu_user"))).isPositive();
            Map<String, String> clients = fields(jedis.info("clients"));
            assertThat(Long.parseLong(clients.get("connected_clients"))).isPositive();
            assertThat(clients).containsEntry("maxclients", "10000").containsKey("blocked_clients");
            // The rate is a mean over 16 samples of 100 ms: a steady stream of commands shows within 2 s.
            awaitTrue("instantaneous_ops_per_sec shows the commands", () -> {
                for (int i = 0; i < 50; i++) {
                    jedis.ping();
                }
                return Long.parseLong(fields(jedis.info("stats")).get("instantaneous_ops_per_sec")) > 0;
            });
            Map<String, String> stats = fields(jedis.info("stats"));
            assertThat(Long.parseLong(stats.get("total_commands_processed"))).isPositive();
            assertThat(Long.parseLong(stats.get("total_net_input_bytes"))).isPositive();
            assertThat(Long.parseLong(stats.get("total_net_output_bytes"))).isPositive();
            assertThat(stats).containsKeys("total_connections_received", "instantaneous_input_kbps",
                    "instantaneous_output_kbps", "rejected_connections", "expired_keys", "pubsub_channels");
            String everything = jedis.info();
            assertThat(everything).contains("# Memory\r\n", "# Stats\r\n", "# CPU\r\n", "# Errorstats\r\n")
                    .doesNotContain("# Commandstats");
            assertThat(jedis.info("all")).contains("# Commandstats\r\n");
            String two = new String((byte[]) jedis.sendCommand(Protocol.Command.INFO, "server", "cpu"),
                    java.nio.charset.StandardCharsets.UTF_8);
            assertThat(Arrays.stream(two.split("\r\n")).filter(line -> line.startsWith("# ")).toList())
                    .containsExactly("# Server", "# CPU");
        }
    }

    @Test
    void clientKill_byIdOrAddress_closesThatConnection_andClientListFiltersByTypeAndId() throws IOException {
        try (Jedis admin = new Jedis("127.0.0.1", port, 10_000); Jedis victim = new Jedis("127.0.0.1", port, 10_000);
                Wire subscriber = new Wire(port)) {
            long victimId = victim.clientId();
            subscriber.send("SUBSCRIBE", "kill.test");
            subscriber.expect("*3\r\n$9\r\nsubscribe\r\n$9\r\nkill.test\r\n:1\r\n");
            assertThat(admin.clientList(redis.clients.jedis.args.ClientType.PUBSUB)).contains("sub=1")
                    .doesNotContain("id=" + victimId + " ");
            assertThat(admin.clientList(victimId)).startsWith("id=" + victimId + " ").contains("flags=N");
            assertThatThrownBy(() -> admin.sendCommand(Protocol.Command.CLIENT, "LIST", "TYPE", "foo"))
                    .hasMessage("ERR Unknown client type 'foo'");
            assertThatThrownBy(() -> admin.sendCommand(Protocol.Command.CLIENT, "LIST", "ID", "abc"))
                    .hasMessage("ERR Invalid client ID");

            assertThat(admin.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", "999999")).isEqualTo(0L);
            assertThatThrownBy(() -> admin.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", "abc"))
                    .hasMessage("ERR client-id should be greater than 0");
            assertThatThrownBy(() -> admin.sendCommand(Protocol.Command.CLIENT, "KILL", "1.2.3.4:5"))
                    .hasMessage("ERR No such client");
            assertThatThrownBy(() -> admin.sendCommand(Protocol.Command.CLIENT, "KILL", "FOO", "bar"))
                    .hasMessage("ERR syntax error");
            assertThat(admin.sendCommand(Protocol.Command.CLIENT, "KILL", "ID", Long.toString(victimId)))
                    .isEqualTo(1L);
            assertThatThrownBy(victim::ping).isInstanceOf(redis.clients.jedis.exceptions.JedisConnectionException.class);
            assertThat(admin.sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "pubsub")).isEqualTo(1L);
            assertThat(subscriber.closedByServer()).isTrue();
            // Killing itself by address, the caller gets its OK before the connection closes.
            String self = admin.clientInfo().replaceAll(".* addr=([^ ]+) .*\\s*", "$1");
            assertThat(admin.clientKill(self)).isEqualTo("OK");
            assertThatThrownBy(admin::ping).isInstanceOf(redis.clients.jedis.exceptions.JedisConnectionException.class);
        }
    }
}
