package io.calmdb.server.node;

import static io.calmdb.server.node.DataCommandsRedisCliTest.Order.EXACT;
import static io.calmdb.server.node.DataCommandsRedisCliTest.Order.UNORDERED;
import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.server.resp.RedisCli;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The everyday data commands and the issue-9 bug fixes through the real {@code redis-cli} against a real node. Every
 * expected output below is what redis-server 7.0 printed for the same command sequence through the same
 * {@code redis-cli} (non-interactive output: one line per element, an empty line for nil or an empty array); replies
 * whose order Redis leaves open compare as sorted lines. Random replies are checked by their own tests.
 */
class DataCommandsRedisCliTest {
    enum Order { EXACT, UNORDERED }

    record Case(Order order, String expected, String... arguments) {}

    private static final List<Case> SEQUENCE = List.of(
            new Case(EXACT, "OK", "flushall"),
            new Case(EXACT, "OK", "set", "c", "9223372036854775807"),
            new Case(EXACT, "9223372036854775806", "decr", "c"),
            new Case(EXACT, "9223372036854775807", "incr", "c"),
            new Case(EXACT, "ERR increment or decrement would overflow", "incr", "c"),
            new Case(EXACT, "9223372036854775807", "hincrby", "h", "f", "9223372036854775807"),
            new Case(EXACT, "9223372036854775806", "hincrby", "h", "f", "-1"),
            new Case(EXACT, "9223372036854775807", "hincrby", "h", "f", "1"),
            new Case(EXACT, "ERR increment or decrement would overflow", "hincrby", "h", "f", "1"),
            new Case(EXACT, "3", "sadd", "s", "a", "b", "c"),
            new Case(EXACT, "1", "srem", "s", "a", "a"),
            new Case(EXACT, "2", "hset", "h2", "a", "1", "b", "2"),
            new Case(EXACT, "1", "hdel", "h2", "a", "a"),
            new Case(EXACT, "0", "scan", "0", "type", "nosuch"),
            new Case(UNORDERED, "0\nh\nh2", "scan", "0", "type", "hash", "count", "1000"),
            new Case(EXACT, "ERR invalid cursor", "scan", "18446744073709551616"),
            new Case(EXACT, "ERR invalid cursor", "scan", "abc"),
            new Case(EXACT, "ERR syntax error", "scan", "0", "count", "0"),
            new Case(EXACT, "ERR value is not an integer or out of range", "scan", "0", "count", "x"),
            new Case(EXACT, "ERR syntax error", "scan", "0", "match"),
            new Case(EXACT, "ERR wrong number of arguments for 'msetnx' command", "msetnx", "k", "1", "k2"),
            new Case(EXACT, "ERR syntax error", "set", "k", "v", "nx", "xx"),
            new Case(EXACT, "ERR syntax error", "set", "k", "v", "xx", "nx"),
            new Case(EXACT, "5", "append", "str", "hello"),
            new Case(EXACT, "11", "append", "str", " world"),
            new Case(EXACT, "11", "strlen", "str"),
            new Case(EXACT, "0", "strlen", "nokey"),
            new Case(EXACT, "hello", "getrange", "str", "0", "4"),
            new Case(EXACT, "world", "getrange", "str", "-5", "-1"),
            new Case(EXACT, "", "getrange", "str", "5", "1"),
            new Case(EXACT, "", "getrange", "str", "-1", "-5"),
            new Case(EXACT, "hello world", "getrange", "str", "0", "1000"),
            new Case(EXACT, "world", "substr", "str", "6", "-1"),
            new Case(EXACT, "", "getrange", "nokey", "0", "10"),
            new Case(EXACT, "11", "setrange", "str", "6", "redis"),
            new Case(EXACT, "hello redis", "get", "str"),
            new Case(EXACT, "6", "setrange", "sr", "5", "x"),
            new Case(EXACT, "\0\0\0\0\0x", "get", "sr"),
            new Case(EXACT, "6", "strlen", "sr"),
            new Case(EXACT, "0", "setrange", "sr2", "0", ""),
            new Case(EXACT, "0", "exists", "sr2"),
            new Case(EXACT, "ERR offset is out of range", "setrange", "str", "-1", "x"),
            new Case(EXACT, "ERR string exceeds maximum allowed size (proto-max-bulk-len)", "setrange", "str", "536870912", "x"),
            new Case(EXACT, "0", "setbit", "bits", "7", "1"),
            new Case(EXACT, "1", "setbit", "bits", "7", "0"),
            new Case(EXACT, "0", "setbit", "bits", "100", "1"),
            new Case(EXACT, "1", "getbit", "bits", "100"),
            new Case(EXACT, "0", "getbit", "bits", "99"),
            new Case(EXACT, "0", "getbit", "bits", "1000000"),
            new Case(EXACT, "ERR bit is not an integer or out of range", "setbit", "bits", "1", "2"),
            new Case(EXACT, "ERR bit offset is not an integer or out of range", "setbit", "bits", "-1", "1"),
            new Case(EXACT, "\0\0\0\0\0\0\0\0\0\0\0\0\b", "get", "bits"),
            new Case(EXACT, "OK", "set", "bc", "foobar"),
            new Case(EXACT, "26", "bitcount", "bc"),
            new Case(EXACT, "4", "bitcount", "bc", "0", "0"),
            new Case(EXACT, "6", "bitcount", "bc", "1", "1"),
            new Case(EXACT, "18", "bitcount", "bc", "1", "-2"),
            new Case(EXACT, "17", "bitcount", "bc", "5", "30", "bit"),
            new Case(EXACT, "1", "bitcount", "bc", "-3", "-1", "bit"),
            new Case(EXACT, "ERR syntax error", "bitcount", "bc", "1"),
            new Case(EXACT, "ERR syntax error", "bitcount", "bc", "0", "1", "foo"),
            new Case(EXACT, "0", "bitcount", "nokey"),
            new Case(EXACT, "OK", "set", "s1", "ohmytext"),
            new Case(EXACT, "OK", "set", "s2", "mynewtext"),
            new Case(EXACT, "mytext", "lcs", "s1", "s2"),
            new Case(EXACT, "6", "lcs", "s1", "s2", "len"),
            new Case(EXACT, "matches\n4\n7\n5\n8\n2\n3\n0\n1\nlen\n6", "lcs", "s1", "s2", "idx"),
            new Case(EXACT, "matches\n4\n7\n5\n8\n4\nlen\n6", "lcs", "s1", "s2", "idx", "minmatchlen", "4", "withmatchlen"),
            new Case(EXACT, "matches\n4\n7\n5\n8\n4\n2\n3\n0\n1\n2\nlen\n6", "lcs", "s1", "s2", "idx", "withmatchlen"),
            new Case(EXACT, "ERR If you want both the length and indexes, please just use IDX.", "lcs", "s1", "s2", "len", "idx"),
            new Case(EXACT, "ERR The specified keys must contain string values", "lcs", "s1", "s"),
            new Case(EXACT, "", "lcs", "s1", "nokey"),
            new Case(EXACT, "ERR syntax error", "lcs", "s1", "s2", "foo"),
            new Case(EXACT, "OK", "hmset", "hm", "a", "1", "b", "2"),
            new Case(EXACT, "ERR wrong number of arguments for 'hmset' command", "hmset", "hm", "a"),
            new Case(UNORDERED, "1\n2", "hvals", "hm"),
            new Case(EXACT, "1", "hstrlen", "hm", "a"),
            new Case(EXACT, "0", "hstrlen", "hm", "nofield"),
            new Case(EXACT, "0", "hstrlen", "nokey", "f"),
            new Case(EXACT, "", "hrandfield", "nokey"),
            new Case(EXACT, "", "hrandfield", "nokey", "5"),
            new Case(EXACT, "", "hrandfield", "hm", "0"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "hrandfield", "s", "1"),
            new Case(EXACT, "ERR syntax error", "hrandfield", "hm", "1", "foo"),
            new Case(EXACT, "ERR value is not an integer or out of range", "hrandfield", "hm", "x"),
            new Case(EXACT, "ERR syntax error", "hrandfield", "hm", "2", "withvalues", "x"),
            new Case(EXACT, "0\n1\n0", "smismember", "s", "a", "b", "z"),
            new Case(EXACT, "0", "smismember", "nokey", "a"),
            new Case(EXACT, "4", "sadd", "s1set", "a", "b", "c", "d"),
            new Case(EXACT, "3", "sadd", "s2set", "c", "d", "e"),
            new Case(EXACT, "2", "sadd", "s3set", "d", "f"),
            new Case(EXACT, "d", "sinter", "s1set", "s2set", "s3set"),
            new Case(EXACT, "", "sinter", "s1set", "nokey"),
            new Case(EXACT, "", "sunion", "nokey"),
            new Case(UNORDERED, "b\na", "sdiff", "s1set", "s2set", "s3set"),
            new Case(EXACT, "", "sdiff", "nokey", "s1set"),
            new Case(EXACT, "2", "sinterstore", "dst", "s1set", "s2set"),
            new Case(EXACT, "0", "sinterstore", "dst", "s1set", "nokey"),
            new Case(EXACT, "0", "exists", "dst"),
            new Case(EXACT, "4", "sunionstore", "dst", "s2set", "s3set"),
            new Case(EXACT, "4", "scard", "dst"),
            new Case(EXACT, "2", "sdiffstore", "dst", "s1set", "s2set"),
            new Case(UNORDERED, "b\na", "smembers", "dst"),
            new Case(EXACT, "2", "sintercard", "2", "s1set", "s2set"),
            new Case(EXACT, "1", "sintercard", "2", "s1set", "s2set", "limit", "1"),
            new Case(EXACT, "4", "sintercard", "1", "s1set", "limit", "0"),
            new Case(EXACT, "ERR numkeys should be greater than 0", "sintercard", "0", "s1set"),
            new Case(EXACT, "ERR numkeys should be greater than 0", "sintercard", "x", "s1set"),
            new Case(EXACT, "ERR Number of keys can't be greater than number of args", "sintercard", "3", "s1set"),
            new Case(EXACT, "ERR LIMIT can't be negative", "sintercard", "1", "s1set", "limit", "-1"),
            new Case(EXACT, "ERR LIMIT can't be negative", "sintercard", "1", "s1set", "limit", "x"),
            new Case(EXACT, "ERR syntax error", "sintercard", "1", "s1set", "foo"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "sinter", "s1set", "str"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "sunionstore", "dst", "str"),
            new Case(EXACT, "1", "smove", "s1set", "s3set", "a"),
            new Case(EXACT, "0", "smove", "s1set", "s3set", "a"),
            new Case(EXACT, "1", "sismember", "s3set", "a"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "smove", "s1set", "str", "b"),
            new Case(EXACT, "1", "smove", "s1set", "s1set", "b"),
            new Case(EXACT, "0", "smove", "s1set", "s1set", "zz"),
            new Case(EXACT, "", "spop", "nokey"),
            new Case(EXACT, "", "spop", "nokey", "3"),
            new Case(EXACT, "ERR value is out of range, must be positive", "spop", "s1set", "-1"),
            new Case(EXACT, "", "spop", "s1set", "0"),
            new Case(EXACT, "", "srandmember", "nokey"),
            new Case(EXACT, "", "srandmember", "nokey", "3"),
            new Case(EXACT, "", "srandmember", "s1set", "0"),
            new Case(EXACT, "WRONGTYPE Operation against a key holding the wrong kind of value", "srandmember", "str"),
            new Case(EXACT, "1", "sadd", "one", "x"),
            new Case(EXACT, "x", "spop", "one"),
            new Case(EXACT, "0", "exists", "one"),
            new Case(EXACT, "2", "sadd", "two", "x", "y"),
            new Case(UNORDERED, "y\nx", "srandmember", "two", "10"),
            new Case(UNORDERED, "y\nx", "spop", "two", "10"),
            new Case(EXACT, "0", "exists", "two"),
            new Case(EXACT, "ERR no such key", "rename", "nokey", "x"),
            new Case(EXACT, "OK", "set", "r1", "v1"),
            new Case(EXACT, "OK", "rename", "r1", "r2"),
            new Case(EXACT, "v1", "get", "r2"),
            new Case(EXACT, "0", "exists", "r1"),
            new Case(EXACT, "OK", "rename", "r2", "r2"),
            new Case(EXACT, "0", "renamenx", "r2", "r2"),
            new Case(EXACT, "OK", "set", "r3", "v3"),
            new Case(EXACT, "0", "renamenx", "r2", "r3"),
            new Case(EXACT, "1", "renamenx", "r2", "r4"),
            new Case(EXACT, "v1", "get", "r4"),
            new Case(EXACT, "1", "sadd", "rs", "a"),
            new Case(EXACT, "OK", "rename", "rs", "r4"),
            new Case(EXACT, "set", "type", "r4"),
            new Case(EXACT, "a", "smembers", "r4"),
            new Case(EXACT, "ERR source and destination objects are the same", "copy", "r4", "r4"),
            new Case(EXACT, "1", "copy", "r4", "c1"),
            new Case(EXACT, "0", "copy", "r4", "c1"),
            new Case(EXACT, "1", "copy", "r4", "c1", "replace"),
            new Case(EXACT, "a", "smembers", "c1"),
            new Case(EXACT, "0", "copy", "nokey", "c9"),
            new Case(EXACT, "1", "copy", "r3", "c2", "db", "0"),
            new Case(EXACT, "ERR DB index is out of range", "copy", "r3", "c3", "db", "99"),
            new Case(EXACT, "ERR value is not an integer or out of range", "copy", "r3", "c4", "db", "x"),
            new Case(EXACT, "ERR syntax error", "copy", "r3", "c5", "foo"),
            new Case(EXACT, "v3", "get", "c2"),
            new Case(EXACT, "1", "hset", "hc", "f", "1"),
            new Case(EXACT, "1", "copy", "hc", "hc2"),
            new Case(EXACT, "f\n1", "hgetall", "hc2"),
            new Case(EXACT, "2", "touch", "r3", "c1", "nokey"),
            new Case(EXACT, "ERR unknown subcommand 'foo'. Try OBJECT HELP.", "object", "foo"),
            new Case(EXACT, "", "object", "encoding", "nokey"),
            new Case(EXACT, "1", "object", "refcount", "r3"),
            new Case(EXACT, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.", "object", "freq", "r3"),
            new Case(EXACT, "", "object", "idletime", "nokey"),
            new Case(EXACT, "ERR wrong number of arguments for 'object|encoding' command", "object", "encoding"),
            new Case(EXACT, "", "memory", "usage", "nokey"),
            new Case(EXACT, "ERR value is not an integer or out of range", "memory", "usage", "r3", "samples", "x"),
            new Case(EXACT, "ERR unknown subcommand 'foo'. Try MEMORY HELP.", "memory", "foo"),
            new Case(EXACT, "ERR syntax error", "flushall", "foo"),
            new Case(EXACT, "OK", "flushall", "async"),
            new Case(EXACT, "0", "dbsize"),
            new Case(EXACT, "", "randomkey"),
            new Case(EXACT, "OK", "flushdb", "sync"),
            new Case(EXACT, "3", "sadd", "ss", "a", "b", "c"),
            new Case(UNORDERED, "0\nc\nb\na", "sscan", "ss", "0", "count", "100"),
            new Case(EXACT, "0\na", "sscan", "ss", "0", "match", "a"),
            new Case(EXACT, "ERR syntax error", "sscan", "ss", "0", "count", "0"),
            new Case(EXACT, "ERR syntax error", "sscan", "ss", "0", "type", "set"),
            new Case(EXACT, "0", "sscan", "nokey", "0"),
            new Case(EXACT, "1", "hset", "hs", "a", "1"),
            new Case(EXACT, "0\na\n1", "hscan", "hs", "0"),
            new Case(EXACT, "0", "hscan", "hs", "0", "match", "b"),
            new Case(EXACT, "ERR syntax error", "hscan", "hs", "0", "novalues"),
            new Case(EXACT, "ERR invalid cursor", "hscan", "hs", "x")
    );

    @TempDir
    Path directory;

    private TestCluster cluster;

    @BeforeEach
    void start() {
        cluster = new TestCluster(directory);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void everyReply_isRedis70s() throws Exception {
        int port = cluster.node(TestCluster.REGIONS.get(0)).respPort();
        List<String> mismatches = new ArrayList<>();
        for (Case step : SEQUENCE) {
            String actual = RedisCli.run(port, step.arguments());
            // RedisCli trims its output as String.trim does (control bytes such as NUL included), so trim both.
            String expected = step.expected().trim();
            boolean same = step.order() == EXACT ? actual.equals(expected)
                    : sortedLines(actual).equals(sortedLines(expected));
            if (!same) {
                mismatches.add(String.join(" ", step.arguments()) + "\n  expected: " + step.expected().replace("\n", "|")
                        + "\n  actual:   " + actual.replace("\n", "|"));
            }
        }
        assertThat(mismatches).as("commands whose reply differs from Redis 7.0").isEmpty();
    }

    private static List<String> sortedLines(String output) {
        List<String> lines = new ArrayList<>(Arrays.asList(output.split("\n")));
        lines.sort(null);
        return lines;
    }
}
