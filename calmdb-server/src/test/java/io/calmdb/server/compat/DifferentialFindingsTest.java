package io.calmdb.server.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.node.CalmNode;
import io.calmdb.server.node.NodeConfig;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regressions for the differences {@link DifferentialTest} found, one test each, against a CalmDB node alone. Every
 * expected reply was recorded from redis-server 7.0.15 with the same command.
 */
class DifferentialFindingsTest {
    @TempDir
    Path directory;

    private CalmNode node;
    private RespFrameClient client;

    @BeforeEach
    void start() throws IOException {
        node = CalmNode.start(NodeConfig.builder("findings", ReplicaId.of("virginia"), directory.resolve("data"))
                .build());
        client = new RespFrameClient(node.respPort());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        node.close();
    }

    private String call(String... arguments) throws IOException {
        return client.call(arguments).render();
    }

    @Test
    void anUnknownCommand_quotesExactly128CharactersOfItsFirstArgument() throws IOException {
        String reply = call("NOSUCH", "a".repeat(140), "b");
        assertThat(reply).isEqualTo("-ERR unknown command 'NOSUCH', with args beginning with: '" + "a".repeat(128)
                + "' ");
    }

    @Test
    void decrbyTheSmallestInteger_isRefusedWithRedissDecrementWording() throws IOException {
        assertThat(call("DECRBY", "k", "-9223372036854775808")).isEqualTo("-ERR decrement would overflow");
        assertThat(call("EXISTS", "k")).isEqualTo(":0");
    }

    @Test
    void spopWithACountThatIsNotAnInteger_saysItMustBePositive_andChecksTheTypeBeforeACountOfZero()
            throws IOException {
        call("SADD", "set", "m");
        call("SET", "str", "v");
        assertThat(call("SPOP", "set", "abc")).isEqualTo("-ERR value is out of range, must be positive");
        assertThat(call("SPOP", "str", "0")).isEqualTo("-WRONGTYPE Operation against a key holding the wrong kind "
                + "of value");
        assertThat(call("SPOP", "missing", "0")).isEqualTo("[]");
        assertThat(call("SPOP", "set", "0")).isEqualTo("[]");
        assertThat(call("SMEMBERS", "set")).isEqualTo("[\"m\"]");
    }

    @Test
    void setbit_refusesAnOffsetOutOfRange_beforeReadingTheBit() throws IOException {
        assertThat(call("SETBIT", "k", "4294967296", "2")).isEqualTo("-ERR bit offset is not an integer or out of "
                + "range");
        assertThat(call("SETBIT", "k", "-1", "x")).isEqualTo("-ERR bit offset is not an integer or out of range");
        assertThat(call("SETBIT", "k", "7", "x")).isEqualTo("-ERR bit is not an integer or out of range");
    }

    @Test
    void bitcount_looksTheKeyUpBeforeItReadsTheRange() throws IOException {
        call("SADD", "set", "m");
        assertThat(call("BITCOUNT", "missing", "0")).isEqualTo(":0");
        assertThat(call("BITCOUNT", "set", "0")).isEqualTo("-WRONGTYPE Operation against a key holding the wrong "
                + "kind of value");
        call("SET", "str", "foobar");
        assertThat(call("BITCOUNT", "str", "0")).isEqualTo("-ERR syntax error");
    }

    @Test
    void sscanAndHscanOfAnAbsentKey_answerAnEmptyPage_beforeTheyReadTheOptions() throws IOException {
        assertThat(call("SSCAN", "missing", "0", "COUNT", "0")).isEqualTo("[\"0\", []]");
        assertThat(call("HSCAN", "missing", "0", "COUNT")).isEqualTo("[\"0\", []]");
        assertThat(call("SSCAN", "missing", "abc")).isEqualTo("-ERR invalid cursor");
        call("SADD", "set", "m");
        assertThat(call("SSCAN", "set", "0", "COUNT", "0")).isEqualTo("-ERR syntax error");
    }

    @Test
    void smoveFromAnAbsentSource_answersZero_whateverTheDestinationHolds() throws IOException {
        call("SET", "str", "v");
        assertThat(call("SMOVE", "missing", "str", "m")).isEqualTo(":0");
        call("SADD", "set", "m");
        assertThat(call("SMOVE", "set", "str", "m")).isEqualTo("-WRONGTYPE Operation against a key holding the "
                + "wrong kind of value");
    }

    @Test
    void aPcallWithAnArgumentThatIsNotAString_returnsTheErrorToTheScript_withoutAPosition() throws IOException {
        assertThat(call("EVAL", "return redis.pcall('SADD', KEYS[1], ARGV[1])", "1", "k"))
                .isEqualTo("-ERR Lua redis lib command arguments must be strings or integers");
        assertThat(call("EVAL", "return redis.call('SADD', KEYS[1], ARGV[1])", "1", "k"))
                .startsWith("-ERR Lua redis lib command arguments must be strings or integers script: ");
    }

    @Test
    void luaNumbers_readNanAndInfinityAsStrtodDoes_andConvertOutOfRangeAsRedisDoes() throws IOException {
        String script = "return tonumber(ARGV[1])";
        assertThat(call("EVAL", script, "0", "nan")).isEqualTo(":-9223372036854775808");
        assertThat(call("EVAL", script, "0", "-inf")).isEqualTo(":-9223372036854775808");
        assertThat(call("EVAL", script, "0", " Infinity ")).isEqualTo(":-9223372036854775808");
        assertThat(call("EVAL", script, "0", "9223372036854775808")).isEqualTo(":-9223372036854775808");
        assertThat(call("EVAL", script, "0", "3.99")).isEqualTo(":3");
        assertThat(call("EVAL", script, "0", "-3.7")).isEqualTo(":-3");
        assertThat(call("EVAL", script, "0", "infinite")).isEqualTo("nil");
        assertThat(call("EVAL", "return tostring(tonumber(ARGV[1]) > 0)", "0", "inf")).isEqualTo("\"true\"");
    }

    @Test
    void tableSortWithoutAComparator_ordersStringsByUnsignedBytes_asLuaDoes() throws IOException {
        assertThat(call("EVAL", "local t = {'\u00e9t\u00e9', 'm', '2', 'Z', 'a'}; table.sort(t); return t", "0"))
                .isEqualTo("[\"2\", \"Z\", \"a\", \"m\", \"\u00e9t\u00e9\"]");
        assertThat(call("EVAL", "local t = {'a', 'b'}; table.sort(t, function(x, y) return x > y end); return t",
                "0")).isEqualTo("[\"b\", \"a\"]");
        assertThat(call("EVAL", "local t = {3, 1, 2}; table.sort(t); return t", "0")).isEqualTo("[:1, :2, :3]");
    }

    @Test
    void aScriptThatDoesNotCompile_namesItsPositionAsRedisDoes() throws IOException {
        assertThat(call("EVAL", "return 1 +", "0"))
                .startsWith("-ERR Error compiling script (new function): user_script:1: ");
    }

    @Test
    void execAfterFlushallRemovedAWatchedKey_failsTheTransaction() throws IOException {
        call("SET", "c", "1");
        assertThat(call("WATCH", "c")).isEqualTo("+OK");
        assertThat(call("FLUSHALL")).isEqualTo("+OK");
        call("MULTI");
        assertThat(call("PING")).isEqualTo("+QUEUED");
        assertThat(call("EXEC")).isEqualTo("*nil");
        assertThat(call("WATCH", "absent")).isEqualTo("+OK");
        assertThat(call("FLUSHALL")).isEqualTo("+OK");
        call("MULTI");
        call("PING");
        assertThat(call("EXEC")).isEqualTo("[+PONG]");
    }
}
