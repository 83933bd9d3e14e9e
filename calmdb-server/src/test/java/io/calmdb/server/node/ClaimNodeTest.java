package io.calmdb.server.node;

import static io.calmdb.server.node.TestCluster.REGIONS;
import static io.calmdb.server.node.TestCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.claim.ClaimAuthority;
import io.calmdb.server.resp.RedisPy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

/** Claims over three real nodes on loopback (issue 8's first two acceptance lines), with Jedis and redis-py. */
class ClaimNodeTest {
    private static final ReplicaId VIRGINIA = REGIONS.get(0);
    private static final ReplicaId FRANKFURT = REGIONS.get(1);
    private static final ReplicaId TOKYO = REGIONS.get(2);

    @TempDir
    Path directory;

    private TestCluster cluster;

    @BeforeEach
    void startCluster() {
        cluster = new TestCluster(directory);
    }

    @AfterEach
    void stopCluster() {
        cluster.close();
    }

    private Jedis client(ReplicaId region) {
        return new Jedis("127.0.0.1", cluster.node(region).respPort(), 10_000);
    }

    /** A name (or key) whose authority is {@code region}. */
    private static String nameOwnedBy(ReplicaId region, String prefix) {
        ClaimAuthority map = ClaimAuthority.initial(REGIONS);
        for (int i = 0; ; i++) {
            String name = prefix + i;
            if (map.authority(Bytes.ofUtf8(name)).equals(region)) {
                return name;
            }
        }
    }

    private static Object claim(Jedis client, String... arguments) {
        Object reply = client.sendCommand(() -> "CLAIM".getBytes(), arguments);
        return reply instanceof byte[] bytes ? new String(bytes) : reply;
    }

    private static String command(Jedis client, String name, String... arguments) {
        Object reply = client.sendCommand(name::getBytes, arguments);
        return reply == null ? null : new String((byte[]) reply);
    }

    @Test
    void aClaimRoutedToItsAuthority_isAcceptedOnce_andAnotherOwnerFromAThirdRegionIsRejectedWithTheFirst() {
        String name = nameOwnedBy(FRANKFURT, "slug");
        try (Jedis virginia = client(VIRGINIA); Jedis tokyo = client(TOKYO); Jedis frankfurt = client(FRANKFURT)) {
            List<Object> authority = virginia.sendCommand(() -> "CLAIM.AUTHORITY".getBytes(), "workspace", name)
                    instanceof List<?> list ? new ArrayList<>(list) : List.of();
            assertThat(new String((byte[]) authority.get(0))).isEqualTo("frankfurt");
            assertThat(authority.get(1)).isEqualTo(1L);

            assertThat(claim(virginia, "workspace", name, "team-a")).isEqualTo("ACCEPTED");
            assertThat(claim(tokyo, "workspace", name, "team-b")).isEqualTo("REJECTED team-a");
            // The requester answered once the fact reached it; the others read it once it replicates there.
            assertThat(command(virginia, "CLAIM.OWNER", "workspace", name)).isEqualTo("team-a");
            awaitTrue("the fact replicates", () -> "team-a".equals(command(tokyo, "CLAIM.OWNER", "workspace", name))
                    && "team-a".equals(command(frankfurt, "CLAIM.OWNER", "workspace", name)));
            // Facts are invisible to the keyspace commands.
            assertThat(virginia.dbSize()).isZero();
            assertThat(virginia.keys("*")).isEmpty();

            assertThat(command(tokyo, "CLAIM.RELEASE", "workspace", name, "team-b")).isEqualTo("NOT_OWNER team-a");
            assertThat(command(virginia, "CLAIM.RELEASE", "workspace", name, "team-a")).isEqualTo("RELEASED");
            assertThat(claim(tokyo, "workspace", name, "team-b")).isEqualTo("ACCEPTED");
        }
    }

    @Test
    void aClaimWhoseAuthorityIsCutOff_isPending_andCLAIM_STATUSResolvesItAfterTheHeal() {
        String name = nameOwnedBy(FRANKFURT, "cut");
        try (Jedis virginia = client(VIRGINIA)) {
            assertThat(command(virginia, "CLUSTER", "PARTITION", "frankfurt")).isEqualTo("OK");
            JedisDataException pending = (JedisDataException) org.assertj.core.api.Assertions.catchThrowable(
                    () -> claim(virginia, "workspace", name, "team-a", "TIMEOUT", "300"));
            assertThat(pending).isNotNull();
            assertThat(pending.getMessage()).startsWith("PENDING ");
            String claimId = pending.getMessage().split(" ")[1];
            assertThat(command(virginia, "CLAIM.STATUS", claimId)).isEqualTo("PENDING");
            assertThat(command(virginia, "CLAIM.OWNER", "workspace", name)).isNull();

            assertThat(command(virginia, "CLUSTER", "HEAL")).isEqualTo("OK");
            awaitTrue("the pending claim resolves", () -> "ACCEPTED".equals(command(virginia, "CLAIM.STATUS", claimId)));
            assertThat(command(virginia, "CLAIM.OWNER", "workspace", name)).isEqualTo("team-a");
        }
    }

    @Test
    void setNxPx_sentConcurrentlyAtTwoRegions_givesExactlyOneOk() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Jedis virginia = client(VIRGINIA); Jedis tokyo = client(TOKYO)) {
            for (int round = 0; round < 20; round++) {
                String lock = "lock" + round;
                CyclicBarrier start = new CyclicBarrier(2);
                List<CompletableFuture<String>> replies = new ArrayList<>();
                for (Jedis client : List.of(virginia, tokyo)) {
                    replies.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            start.await();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        return client.set(lock, "a", SetParams.setParams().nx().px(10_000));
                    }, pool));
                }
                long oks = replies.stream().map(CompletableFuture::join).filter("OK"::equals).count();
                assertThat(oks).as("OK replies to SET %s a NX PX 10000 at two regions", lock).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aJedisSetNxPxLock_isExclusiveAcrossRegions_andReleasableByItsHolder() {
        String lock = nameOwnedBy(TOKYO, "jedis-lock");
        String release = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
                + "else return 0 end";
        try (Jedis virginia = client(VIRGINIA); Jedis frankfurt = client(FRANKFURT)) {
            assertThat(virginia.set(lock, "token-v", SetParams.setParams().nx().px(30_000))).isEqualTo("OK");
            assertThat(virginia.pttl(lock)).isBetween(1L, 30_000L);
            assertThat(frankfurt.set(lock, "token-f", SetParams.setParams().nx().px(30_000))).isNull();
            assertThat(virginia.eval(release, 1, lock, "token-v")).isEqualTo(1L);
            // Once the authority has seen the DEL, the lock is free for the other region.
            awaitTrue("the other region takes the lock",
                    () -> "OK".equals(frankfurt.set(lock, "token-f", SetParams.setParams().nx().px(30_000))));
            assertThat(virginia.set(lock, "token-v", SetParams.setParams().nx().px(30_000))).isNull();
        }
    }

    @Test
    void setnxHsetnxAndMsetnx_answerOneOrZero_andMsetnxAcrossAuthoritiesIsCrossSlot() {
        try (Jedis virginia = client(VIRGINIA); Jedis tokyo = client(TOKYO)) {
            assertThat(virginia.hsetnx("h", "f", "1")).isEqualTo(1);
            assertThat(tokyo.hsetnx("h", "f", "2")).isZero();
            assertThat(virginia.hget("h", "f")).isEqualTo("1");
            assertThat(virginia.msetnx("{t}a", "1", "{t}b", "2")).isEqualTo(1);
            assertThat(tokyo.msetnx("{t}b", "3", "{t}c", "4")).isZero();
            String a = nameOwnedBy(VIRGINIA, "x");
            String b = nameOwnedBy(TOKYO, "x");
            assertThatThrownBy(() -> virginia.msetnx(a, "1", b, "2")).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("CROSSSLOT");
        }
    }

    @Test
    void aKeyArgumentInTheReservedPrefix_isRefused() {
        try (Jedis virginia = client(VIRGINIA)) {
            assertThatThrownBy(() -> virginia.set("\0calmdb:claim:x", "forged"))
                    .isInstanceOf(JedisDataException.class).hasMessageContaining("reserved");
            assertThatThrownBy(() -> virginia.sendCommand(Protocol.Command.DEL, "\0calmdb:claim:x"))
                    .isInstanceOf(JedisDataException.class).hasMessageContaining("reserved");
        }
    }

    @Test
    void aRedisPyLock_isHeldByOneClientAcrossThreeRegions() throws Exception {
        String program = """
                import os, redis
                ports = [int(os.environ[p]) for p in ("PORT", "PORT2", "PORT3")]
                clients = [redis.Redis(port=p) for p in ports]
                locks = [c.lock("resource", timeout=10, blocking_timeout=0) for c in clients]
                assert locks[0].acquire()
                assert not locks[1].acquire()
                assert not locks[2].acquire()
                assert locks[0].owned()
                locks[0].extend(5)
                locks[0].release()
                import time
                deadline = time.time() + 20
                while not locks[2].acquire():
                    assert time.time() < deadline, "the lock never became free at the third region"
                    time.sleep(0.02)
                assert not locks[0].acquire()
                locks[2].release()
                print("ok")
                """;
        assertThat(RedisPy.run(program, cluster.node(VIRGINIA).respPort(), cluster.node(FRANKFURT).respPort(),
                cluster.node(TOKYO).respPort())).isEqualTo("ok");
    }
}
