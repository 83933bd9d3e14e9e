package io.calmdb.server.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.resp.RedisCli;
import io.calmdb.server.resp.CommandSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.CommandDocument;
import redis.clients.jedis.resps.CommandInfo;

/**
 * {@code COMMAND}, {@code COMMAND COUNT}, {@code COMMAND INFO} and {@code COMMAND DOCS} of a running node are
 * generated from the registry, in the reply shapes of Redis 7 that Jedis and {@code redis-cli} parse.
 */
class CommandIntrospectionTest {

    @TempDir
    Path directory;

    private CalmNode node;
    private Jedis jedis;

    @BeforeEach
    void start() {
        node = CalmNode.start(NodeConfig.builder("commands", ReplicaId.of("virginia"), directory.resolve("data"))
                .build());
        jedis = new Jedis("127.0.0.1", node.respPort(), 10_000);
    }

    @AfterEach
    void stop() {
        jedis.close();
        node.close();
    }

    @Test
    void commandCount_andList_coverTheRegistryAndTheConnectionCommands() {
        CommandRegistry registry = CommandRegistry.standard();
        assertThat(jedis.commandCount()).isEqualTo(registry.table().size());
        List<String> names = jedis.commandList();
        for (CommandRegistry.Entry entry : registry.entries()) {
            assertThat(names).contains(entry.spec().name());
        }
        assertThat(names).contains("ping", "command", "hello");
    }

    @Test
    void commandInfo_ofEveryCommand_matchesItsDeclaration_asJedisReadsIt() {
        for (CommandRegistry.Entry entry : CommandRegistry.standard().entries()) {
            CommandSpec spec = entry.spec();
            Map<String, CommandInfo> infos = jedis.commandInfo(spec.name());
            CommandInfo info = infos.get(spec.name());
            assertThat(info).as("COMMAND INFO %s", spec.name()).isNotNull();
            assertThat(info.getArity()).isEqualTo(spec.arity());
            assertThat(info.getFirstKey()).isEqualTo(spec.firstKey());
            assertThat(info.getLastKey()).isEqualTo(spec.lastKey());
            assertThat(info.getStep()).isEqualTo(spec.keyStep());
            spec.flags().forEach(flag -> assertThat(info.getFlags()).contains(flag.redisName()));
            assertThat(info.getAclCategories()).contains("@" + (spec.group().equals("generic") ? "keyspace"
                    : spec.group()));
        }
    }

    @Test
    void commandDocs_ofEveryCommand_carriesItsSummary_asJedisReadsIt() {
        for (CommandRegistry.Entry entry : CommandRegistry.standard().entries()) {
            CommandSpec spec = entry.spec();
            CommandDocument docs = jedis.commandDocs(spec.name()).get(spec.name());
            assertThat(docs).as("COMMAND DOCS %s", spec.name()).isNotNull();
            assertThat(docs.getSummary()).isEqualTo(spec.summary());
            assertThat(docs.getSince()).isEqualTo(spec.since());
            assertThat(docs.getGroup()).isEqualTo(spec.group());
        }
        assertThat(jedis.commandDocs("nosuch")).isEmpty();
    }

    @Test
    void redisCli_readsCommandInfoAndDocs_inBothProtocols() throws Exception {
        // redis-cli prints nested replies one value per line; the key specification follows the ten fixed fields.
        assertThat(RedisCli.run(node.respPort(), "COMMAND", "INFO", "hincrby").lines().toList()).containsSubsequence(
                "hincrby", "4", "write", "denyoom", "fast", "1", "1", "1", "@write", "@hash", "@fast",
                "flags", "RW", "access", "update", "begin_search", "type", "index", "spec", "index", "1",
                "find_keys", "type", "range", "spec", "lastkey", "0", "keystep", "1", "limit", "0");
        assertThat(RedisCli.run(node.respPort(), "COMMAND", "INFO", "mset").lines().toList()).containsSubsequence(
                "mset", "-3", "1", "-1", "2", "flags", "OW", "update", "lastkey", "-1", "keystep", "2");
        // RESP2 gives flat arrays (a value per line) and RESP3 maps (a key and its value per line); the words agree.
        String summary = CommandRegistry.standard().find("get").spec().summary();
        for (String protocol : List.of("-2", "-3")) {
            assertThat(String.join(" ", RedisCli.run(node.respPort(), protocol, "COMMAND", "DOCS", "get", "nosuch").split("\\s+")))
                    .as("COMMAND DOCS with redis-cli %s", protocol)
                    .isEqualTo("get summary " + summary + " since 1.0.0 group string");
        }
        assertThat(RedisCli.run(node.respPort(), "COMMAND", "INFO", "nosuch")).isEmpty();
    }

}
