package io.calmdb.server.node;

import static io.calmdb.server.node.TestCluster.REGIONS;
import static io.calmdb.server.node.TestCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.Keyspace;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Key expiry on three real nodes: a key with a time to live disappears in every region and active expiry reclaims
 * it, concurrent EXPIREs resolve to the longer one and PERSIST beats them, the deadline survives a restart, and
 * replies and errors are Redis 7.0's (recorded from redis-server 7.0.15).
 */
class KeyExpiryNodeTest {
    private static final ReplicaId VIRGINIA = REGIONS.get(0);
    private static final ReplicaId FRANKFURT = REGIONS.get(1);
    private static final ReplicaId TOKYO = REGIONS.get(2);

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

    private Jedis client(ReplicaId region) {
        return new Jedis("127.0.0.1", cluster.node(region).respPort(), 10_000);
    }

    private boolean heldRaw(ReplicaId region, String key) {
        return cluster.node(region).read(keyspace -> keyspace.state().get(Bytes.ofUtf8(key)) != null).join();
    }

    private byte[] encodedState(ReplicaId region) {
        return cluster.node(region).read(keyspace -> Codecs.encode(Keyspace.CODEC, keyspace.state())).join();
    }

    @Test
    void keyWithTtl_disappearsInEveryRegion_andActiveExpiryRemovesIt() {
        try (Jedis virginia = client(VIRGINIA); Jedis frankfurt = client(FRANKFURT); Jedis tokyo = client(TOKYO)) {
            virginia.set("lasting", "v");
            assertThat(virginia.psetex("session", 400, "v")).isEqualTo("OK");
            assertThat(virginia.pttl("session")).isBetween(1L, 400L);
            for (ReplicaId region : REGIONS) {
                awaitTrue("the lasting key at " + region, () -> heldRaw(region, "lasting"));
            }
            awaitTrue("the session key gone at every region", () -> !virginia.exists("session")
                    && !frankfurt.exists("session") && !tokyo.exists("session"));
            assertThat(tokyo.get("session")).isNull();
            assertThat(frankfurt.ttl("session")).isEqualTo(-2);
            assertThat(tokyo.keys("*")).containsExactly("lasting");
            assertThat(frankfurt.dbSize()).isEqualTo(1);
            for (ReplicaId region : REGIONS) {
                awaitTrue("active expiry reclaimed the key at " + region, () -> !heldRaw(region, "session"));
            }
            awaitTrue("identical states", () -> Arrays.equals(encodedState(VIRGINIA), encodedState(TOKYO))
                    && Arrays.equals(encodedState(VIRGINIA), encodedState(FRANKFURT)));
            assertThat(virginia.info("keyspace")).contains("db0:keys=1,expires=0,avg_ttl=0");
        }
    }

    @Test
    void concurrentExpires_theLongerWins_andPersistBeatsThem() {
        try (Jedis virginia = client(VIRGINIA); Jedis frankfurt = client(FRANKFURT); Jedis tokyo = client(TOKYO)) {
            virginia.set("longer", "v");
            virginia.set("persisted", "v");
            virginia.expire("persisted", 100);
            for (ReplicaId region : REGIONS) {
                awaitTrue("both keys at " + region, () -> heldRaw(region, "longer") && heldRaw(region, "persisted"));
            }
            awaitTrue("the deadline replicated", () -> tokyo.ttl("persisted") > 0 && frankfurt.ttl("persisted") > 0);
            cluster.node(VIRGINIA).partition(Set.of(FRANKFURT, TOKYO));
            assertThat(virginia.expire("longer", 5_000)).isEqualTo(1);
            assertThat(frankfurt.expire("longer", 3_000)).isEqualTo(1);
            assertThat(virginia.persist("persisted")).isEqualTo(1);
            assertThat(tokyo.expire("persisted", 9_000)).isEqualTo(1);
            long virginiaDeadline = virginia.pexpireTime("longer");
            cluster.node(VIRGINIA).heal(Set.of());
            for (Jedis region : new Jedis[] {virginia, frankfurt, tokyo}) {
                awaitTrue("the longer deadline and PERSIST everywhere", () -> region.pexpireTime("longer")
                        == virginiaDeadline && region.ttl("persisted") == -1);
            }
        }
    }

    @Test
    void deadline_survivesACheckpointAndARestart() {
        try (Jedis virginia = client(VIRGINIA)) {
            virginia.setex("kept", 600, "v");
            virginia.set("plain", "v");
        }
        // Wait for a checkpoint to cover the writes, so recovery reads the deadline from a checkpointed key state.
        awaitTrue("a checkpoint covering the writes", () -> {
            var storage = cluster.node(VIRGINIA).status().join().storage();
            return storage.checkpointPosition() > 0 && storage.checkpointPosition() >= storage.lastPosition();
        });
        cluster.stop(VIRGINIA);
        cluster.start(VIRGINIA);
        try (Jedis virginia = client(VIRGINIA)) {
            assertThat(virginia.ttl("kept")).isBetween(590L, 600L);
            assertThat(virginia.ttl("plain")).isEqualTo(-1);
            assertThat(virginia.get("kept")).isEqualTo("v");
            assertThat(virginia.info("keyspace")).contains("db0:keys=2,expires=1,avg_ttl=");
        }
    }

    private static Object raw(Jedis jedis, String... arguments) {
        String[] rest = Arrays.copyOfRange(arguments, 1, arguments.length);
        try {
            Object reply = jedis.sendCommand(Protocol.Command.valueOf(arguments[0].toUpperCase()), rest);
            return reply instanceof byte[] bytes ? new String(bytes) : reply;
        } catch (JedisDataException error) {
            return "-" + error.getMessage();
        }
    }

    @Test
    void repliesAndErrors_areRedis70s() {
        try (Jedis virginia = client(VIRGINIA)) {
            Object[][] cases = {
                {"-ERR invalid expire time in 'set' command", "SET", "k", "v", "EX", "0"},
                {"-ERR invalid expire time in 'set' command", "SET", "k", "v", "EX", "-1"},
                {"-ERR invalid expire time in 'set' command", "SET", "k", "v", "PX", "0"},
                {"-ERR invalid expire time in 'set' command", "SET", "k", "v", "EXAT", "0"},
                {"-ERR invalid expire time in 'set' command", "SET", "k", "v", "EX", "9223372036854775"},
                {"-ERR invalid expire time in 'set' command", "SET", "k", "v", "PX", "9223372036854775807"},
                {"-ERR value is not an integer or out of range", "SET", "k", "v", "EX", "abc"},
                {"-ERR syntax error", "SET", "k", "v", "EX", "10", "PX", "10"},
                {"-ERR syntax error", "SET", "k", "v", "EX", "10", "KEEPTTL"},
                {"-ERR syntax error", "SET", "k", "v", "KEEPTTL", "EX", "10"},
                {"-ERR syntax error", "SET", "k", "v", "NX", "XX"},
                {"-ERR syntax error", "SET", "k", "v", "EX"},
                {"OK", "SET", "k", "v", "EXAT", "1"},
                {null, "GET", "k"},
                {"OK", "SET", "k", "v"},
                {"-ERR NX and XX, GT or LT options at the same time are not compatible", "EXPIRE", "k", "10", "NX", "XX"},
                {"-ERR NX and XX, GT or LT options at the same time are not compatible", "EXPIRE", "k", "10", "nx", "gt"},
                {"-ERR GT and LT options at the same time are not compatible", "EXPIRE", "k", "10", "GT", "LT"},
                {"-ERR Unsupported option foo", "EXPIRE", "k", "10", "foo"},
                {"-ERR Unsupported option foo", "EXPIRE", "nokey", "10", "foo"},
                {"-ERR value is not an integer or out of range", "EXPIRE", "k", "abc"},
                {"-ERR invalid expire time in 'expire' command", "EXPIRE", "k", "9223372036854775807"},
                {"-ERR invalid expire time in 'pexpire' command", "PEXPIRE", "k", "9223372036854775807"},
                {"-ERR invalid expire time in 'expire' command", "EXPIRE", "k", "-9223372036854776"},
                {0L, "EXPIRE", "k", "10", "XX"},
                {0L, "EXPIRE", "k", "10", "GT"},
                {1L, "PEXPIREAT", "k", "4000000000500"},
                {4000000001L, "EXPIRETIME", "k"},
                {4000000000500L, "PEXPIRETIME", "k"},
                {1L, "PEXPIREAT", "k", "4000000000499"},
                {4000000000L, "EXPIRETIME", "k"},
                {0L, "EXPIRE", "k", "10", "NX"},
                {0L, "PEXPIREAT", "k", "4000000000499", "GT"},
                {1L, "PEXPIREAT", "k", "4000000000498", "XX", "LT"},
                {1L, "PEXPIREAT", "k", "9223372036854775807"},
                {9223372036854776L, "EXPIRETIME", "k"},
                {-2L, "EXPIRETIME", "nokey"},
                {-2L, "TTL", "nokey"},
                {-2L, "PTTL", "nokey"},
                {1L, "PERSIST", "k"},
                {0L, "PERSIST", "k"},
                {0L, "PERSIST", "nokey"},
                {-1L, "TTL", "k"},
                {-1L, "EXPIRETIME", "k"},
                {0L, "EXPIRE", "nokey", "10"},
                {"-ERR invalid expire time in 'getex' command", "GETEX", "k", "EX", "0"},
                {"-ERR invalid expire time in 'getex' command", "GETEX", "k", "EX", "-5"},
                {"-ERR syntax error", "GETEX", "k", "PERSIST", "EX", "10"},
                {"-ERR syntax error", "GETEX", "k", "EX", "10", "PX", "10"},
                {"-ERR syntax error", "GETEX", "k", "foo"},
                {"-ERR syntax error", "GETEX", "k", "KEEPTTL"},
                {null, "GETEX", "nokey", "EX", "0"},
                {"v", "GETEX", "k", "EX", "100"},
                {100L, "TTL", "k"},
                {"v", "GETEX", "k", "PERSIST"},
                {-1L, "TTL", "k"},
                {"v", "GETEX", "k", "EXAT", "1"},
                {0L, "EXISTS", "k"},
                {"-ERR invalid expire time in 'setex' command", "SETEX", "k", "0", "v"},
                {"-ERR invalid expire time in 'setex' command", "SETEX", "k", "-1", "v"},
                {"-ERR value is not an integer or out of range", "SETEX", "k", "abc", "v"},
                {"-ERR invalid expire time in 'psetex' command", "PSETEX", "k", "0", "v"},
                {"OK", "SETEX", "k", "100", "v"},
                {100L, "TTL", "k"},
                {"OK", "SET", "k", "w", "KEEPTTL"},
                {100L, "TTL", "k"},
                {"w", "SET", "k", "x", "GET"},
                {-1L, "TTL", "k"},
                {"OK", "SET", "k", "v", "XX"},
                {null, "SET", "nokey", "v", "XX"},
                {null, "SET", "nokey", "v", "XX", "GET"},
                {0L, "EXISTS", "nokey"},
                {1L, "SADD", "s", "m"},
                {"-WRONGTYPE Operation against a key holding the wrong kind of value", "SET", "s", "v", "GET"},
                {"-WRONGTYPE Operation against a key holding the wrong kind of value", "GETEX", "s", "EX", "0"},
                {1L, "EXPIRE", "s", "100"},
                {100L, "TTL", "s"},
                {1L, "EXPIRE", "s", "-1"},
                {0L, "EXISTS", "s"},
                {"OK", "SET", "c", "v"},
                {0L, "EXPIRE", "c", "100", "XX", "GT"},
                {0L, "EXPIRE", "c", "100", "XX", "LT"},
                {1L, "EXPIRE", "c", "100", "LT"},
                {1L, "EXPIRE", "c", "200", "XX", "GT"},
                {200L, "TTL", "c"},
                {"OK", "SET", "k", "v", "EX", "10", "EX", "10"},
                {"OK", "SET", "k", "v", "PX", "300"},
                {"v", "GETDEL", "k"},
                {null, "GETDEL", "k"},
            };
            for (Object[] row : cases) {
                Object expected = row[0];
                String[] command = Arrays.stream(row, 1, row.length).map(String.class::cast).toArray(String[]::new);
                Object actual = raw(virginia, command);
                assertThat(actual).as(String.join(" ", command)).isEqualTo(expected);
            }
        }
    }

    @Test
    void setWithNxAndEx_isAClaimWhoseLeaseIsTheKeysDeadline() {
        try (Jedis virginia = client(VIRGINIA)) {
            assertThat(virginia.sendCommand(Protocol.Command.SET, "k", "v", "NX", "EX", "10")).isNotNull();
            assertThat(virginia.ttl("k")).isBetween(1L, 10L);
            assertThat(virginia.sendCommand(Protocol.Command.SET, "k", "w", "NX", "EX", "10")).isNull();
            assertThat(virginia.get("k")).isEqualTo("v");
        }
    }
}
