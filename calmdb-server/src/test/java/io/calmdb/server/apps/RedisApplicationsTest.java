package io.calmdb.server.apps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.node.CalmNode;
import io.calmdb.server.node.NodeConfig;
import io.calmdb.server.resp.RedisPy;
import io.calmdb.server.storage.FsyncPolicy;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.params.SetParams;

/**
 * A typical Redis application's usage, unchanged, through redis-py, Jedis and Lettuce against a real three-region
 * cluster (three {@link CalmNode}s over loopback): a lock shared by two regions, a transaction, a session key with a
 * TTL, a script by EVAL and by EVALSHA, and pub/sub from one region to a subscriber in another (issue 9's second
 * acceptance line). Each test uses the library's own API, as an application would, not raw commands.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisApplicationsTest {
    private static final List<ReplicaId> REGIONS =
            List.of(ReplicaId.of("virginia"), ReplicaId.of("frankfurt"), ReplicaId.of("tokyo"));
    private static final ReplicaId REGION_ONE = REGIONS.get(0);
    private static final ReplicaId REGION_TWO = REGIONS.get(1);
    /** The loopback ports this test class may listen on (its own range, apart from other suites running at once). */
    private static final int PORT_FIRST = 28_000;
    private static final int PORT_LAST = 28_999;
    /** The longest any condition is waited for. */
    private static final Duration WAIT_MAX = Duration.ofSeconds(30);
    /** The pause between two checks of a condition, so a poll does not flood a loaded machine. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(20);
    /** How long one client waits for one reply, in milliseconds. */
    private static final int CLIENT_TIMEOUT_MILLIS = 10_000;
    /** How long a lock is leased, in milliseconds, as the applications below ask for it. */
    private static final long LOCK_LEASE_MILLIS = 10_000;
    /** The compare-and-delete release every SET NX PX lock recipe uses: delete the key only if it holds our token. */
    private static final String RELEASE_SCRIPT =
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private final Map<ReplicaId, CalmNode> nodes = new LinkedHashMap<>();
    private int nextPort = PORT_FIRST;

    @BeforeAll
    void startCluster(@TempDir Path directory) throws IOException {
        Map<ReplicaId, Integer> replicationPorts = new LinkedHashMap<>();
        for (ReplicaId region : REGIONS) {
            replicationPorts.put(region, unusedPortInRange());
        }
        for (ReplicaId region : REGIONS) {
            NodeConfig.Builder builder = NodeConfig.builder("apps-cluster", region, directory.resolve(region.name()))
                    .fsync(FsyncPolicy.ALWAYS)
                    .resp("127.0.0.1", unusedPortInRange())
                    .http("127.0.0.1", unusedPortInRange())
                    .replication("127.0.0.1", replicationPorts.get(region))
                    .limits(new NodeConfig.Limits(16 * 1024 * 1024, 65_536, 500, 300));
            for (ReplicaId peer : REGIONS) {
                if (!peer.equals(region)) {
                    builder.peer(peer, "127.0.0.1", replicationPorts.get(peer), Duration.ZERO);
                }
            }
            nodes.put(region, CalmNode.start(builder.build()));
        }
    }

    @AfterAll
    void stopCluster() {
        for (CalmNode node : nodes.values()) {
            node.close();
        }
        nodes.clear();
    }

    private int port(ReplicaId region) {
        return nodes.get(region).respPort();
    }

    /** The next port of this class's range that nothing listens on. */
    private int unusedPortInRange() throws IOException {
        while (nextPort <= PORT_LAST) {
            int candidate = nextPort++;
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), candidate), 1);
                return candidate;
            } catch (IOException busy) {
                // Taken by something else: try the next one.
            }
        }
        throw new IOException("no free loopback port in " + PORT_FIRST + "-" + PORT_LAST);
    }

    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT_MAX.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + WAIT_MAX + " waiting for " + what);
            }
            LockSupport.parkNanos(POLL_INTERVAL.toNanos());
        }
    }

    /** Runs both attempts at once (from a barrier) and returns their replies in order. */
    private static <T> List<T> concurrently(Supplier<T> first, Supplier<T> second) {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CyclicBarrier start = new CyclicBarrier(2);
            List<CompletableFuture<T>> replies = new ArrayList<>();
            for (Supplier<T> attempt : List.of(first, second)) {
                replies.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await(WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return attempt.get();
                }, pool));
            }
            return replies.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRedisPyApplication_locksTransactsKeepsASessionRunsScriptsAndGetsMessagesFromAnotherRegion() throws Exception {
        String output = RedisPy.run("""
                import os, time, redis
                r = redis.Redis(host='127.0.0.1', port=int(os.environ['PORT']))
                r2 = redis.Redis(host='127.0.0.1', port=int(os.environ['PORT2']))

                # A lock shared by two regions: held at region 1, region 2 cannot take it until it is released.
                lock = r.lock('job-lock', timeout=10)
                assert lock.acquire(blocking=False), 'region 1 did not get the free lock'
                other = r2.lock('job-lock', timeout=10)
                assert not other.acquire(blocking=False), 'region 2 got the lock region 1 holds'
                assert lock.owned()
                lock.release()
                # redis-py's own bounded retry: the release must reach the key's authority first.
                assert other.acquire(blocking=True, blocking_timeout=20), 'region 2 never got the released lock'
                assert other.owned()
                other.release()
                print('lock ok')

                # A WATCHed pipeline transaction, retried on WatchError as redis-py's documentation shows.
                r.set('visits', 41)
                with r.pipeline(transaction=True) as pipe:
                    for attempt in range(10):
                        try:
                            pipe.watch('visits')
                            current = int(pipe.get('visits'))
                            pipe.multi()
                            pipe.set('visits', current + 1)
                            pipe.sadd('visitors', 'alice')
                            pipe.get('visits')
                            replies = pipe.execute()
                            break
                        except redis.WatchError:
                            continue
                    else:
                        raise AssertionError('the transaction never committed')
                assert replies == [True, 1, b'42'], replies
                assert attempt == 0, 'WATCH failed with no other writer: %d retries' % attempt
                assert r.get('visits') == b'42'
                print('pipeline ok')

                # A session key with a TTL.
                assert r.set('session', 'x', ex=100)
                ttl = r.ttl('session')
                assert 0 < ttl <= 100, ttl
                assert r.get('session') == b'x'
                print('session ok')

                # A script by EVAL, and a registered one (EVALSHA, falling back to EVAL when not cached).
                assert r.eval("return redis.call('incrby', KEYS[1], ARGV[1])", 1, 'counter', 5) == 5
                bump = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
                assert bump(keys=['counter'], args=[2]) == 7
                assert r.script_exists(bump.sha) == [True]
                print('scripts ok')

                # Pub/sub: a subscriber at region 2, a publisher at region 1.
                p = r2.pubsub()
                p.subscribe('news')
                deadline = time.monotonic() + 30
                confirmed = None
                while confirmed is None and time.monotonic() < deadline:
                    confirmed = p.get_message(timeout=0.1)
                assert confirmed is not None and confirmed['type'] == 'subscribe', confirmed
                # Pub/sub is at most once: a message published before the regions' link is up is gone, so the
                # publisher repeats until one arrives.
                message = None
                while message is None:
                    assert time.monotonic() < deadline, 'no message reached region 2 in time'
                    r.publish('news', 'hello')
                    message = p.get_message(timeout=0.1)
                assert message['type'] == 'message' and message['channel'] == b'news', message
                assert message['data'] == b'hello', message
                p.unsubscribe('news')
                p.close()
                print('pubsub ok')
                """, port(REGION_ONE), port(REGION_TWO), port(REGIONS.get(2)));
        assertThat(output.lines()).containsExactly("lock ok", "pipeline ok", "session ok", "scripts ok", "pubsub ok");
    }

    @Test
    void aJedisApplication_locksTransactsKeepsASessionRunsScriptsAndGetsMessagesFromAnotherRegion() throws Exception {
        try (Jedis one = new Jedis("127.0.0.1", port(REGION_ONE), CLIENT_TIMEOUT_MILLIS);
                Jedis two = new Jedis("127.0.0.1", port(REGION_TWO), CLIENT_TIMEOUT_MILLIS)) {
            // A lock both regions try to take at once: exactly one gets OK.
            SetParams lease = SetParams.setParams().nx().px(LOCK_LEASE_MILLIS);
            List<String> replies = concurrently(() -> one.set("jedis:lock", "token-1", lease),
                    () -> two.set("jedis:lock", "token-2", lease));
            assertThat(replies.stream().filter("OK"::equals).count())
                    .as("OK replies to SET jedis:lock NX PX at two regions: %s", replies).isEqualTo(1);
            Jedis holder = "OK".equals(replies.get(0)) ? one : two;
            Jedis loser = holder == one ? two : one;
            String holderToken = holder == one ? "token-1" : "token-2";
            String loserToken = holder == one ? "token-2" : "token-1";
            assertThat(loser.eval(RELEASE_SCRIPT, 1, "jedis:lock", loserToken)).isEqualTo(0L);
            assertThat(holder.eval(RELEASE_SCRIPT, 1, "jedis:lock", holderToken)).isEqualTo(1L);
            awaitTrue("the released lock is free for the other region",
                    () -> "OK".equals(loser.set("jedis:lock", loserToken, lease)));
            assertThat(loser.eval(RELEASE_SCRIPT, 1, "jedis:lock", loserToken)).isEqualTo(1L);

            // A WATCHed transaction.
            one.set("jedis:visits", "41");
            one.watch("jedis:visits");
            long current = Long.parseLong(one.get("jedis:visits"));
            Transaction transaction = one.multi();
            transaction.set("jedis:visits", Long.toString(current + 1));
            Response<Long> added = transaction.sadd("jedis:visitors", "alice");
            Response<String> visits = transaction.get("jedis:visits");
            List<Object> results = transaction.exec();
            assertThat(results).as("EXEC after an unchallenged WATCH").containsExactly("OK", 1L, "42");
            assertThat(added.get()).isEqualTo(1L);
            assertThat(visits.get()).isEqualTo("42");

            // A session key with a TTL.
            assertThat(one.setex("jedis:session", 100, "x")).isEqualTo("OK");
            assertThat(one.ttl("jedis:session")).isBetween(1L, 100L);
            assertThat(one.get("jedis:session")).isEqualTo("x");

            // A script by EVAL and by EVALSHA.
            String bump = "return redis.call('incrby', KEYS[1], ARGV[1])";
            assertThat(one.eval(bump, List.of("jedis:counter"), List.of("5"))).isEqualTo(5L);
            String sha = one.scriptLoad(bump);
            assertThat(one.evalsha(sha, List.of("jedis:counter"), List.of("2"))).isEqualTo(7L);

            // Pub/sub: a subscriber thread at region 2, a publisher at region 1.
            CountDownLatch subscribed = new CountDownLatch(1);
            CountDownLatch received = new CountDownLatch(1);
            List<String> messages = new CopyOnWriteArrayList<>();
            JedisPubSub listener = new JedisPubSub() {
                @Override
                public void onSubscribe(String channel, int subscribedChannels) {
                    subscribed.countDown();
                }

                @Override
                public void onMessage(String channel, String message) {
                    messages.add(channel + ":" + message);
                    received.countDown();
                }
            };
            try (Jedis subscriber = new Jedis("127.0.0.1", port(REGION_TWO), (int) WAIT_MAX.toMillis() * 2)) {
                Thread thread = new Thread(() -> subscriber.subscribe(listener, "jedis:news"), "jedis-subscriber");
                thread.setDaemon(true);
                thread.start();
                assertThat(subscribed.await(WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS)).as("subscribed").isTrue();
                publishUntil(() -> one.publish("jedis:news", "hello"), received);
                assertThat(messages).first().isEqualTo("jedis:news:hello");
                listener.unsubscribe();
                thread.join(WAIT_MAX.toMillis());
                assertThat(thread.isAlive()).as("the subscriber thread ended on UNSUBSCRIBE").isFalse();
            }
        }
    }

    /**
     * Publishes until {@code received} opens: pub/sub is at most once, and a message published before the regions'
     * link is connected is gone, so an application that must be heard repeats (bounded by {@link #WAIT_MAX}).
     */
    private static void publishUntil(Runnable publish, CountDownLatch received) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_MAX.toNanos();
        do {
            if (System.nanoTime() >= deadline) {
                fail("no message published at region 1 reached region 2 within " + WAIT_MAX);
            }
            publish.run();
        } while (!received.await(100, TimeUnit.MILLISECONDS));
    }

    @Test
    void aLettuceApplication_locksTransactsKeepsASessionRunsScriptsAndGetsMessagesFromAnotherRegion()
            throws Exception {
        RedisClient clientOne = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port(REGION_ONE))
                .withTimeout(Duration.ofMillis(CLIENT_TIMEOUT_MILLIS)).build());
        RedisClient clientTwo = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port(REGION_TWO))
                .withTimeout(Duration.ofMillis(CLIENT_TIMEOUT_MILLIS)).build());
        try (StatefulRedisConnection<String, String> connectionOne = clientOne.connect();
                StatefulRedisConnection<String, String> connectionTwo = clientTwo.connect();
                StatefulRedisPubSubConnection<String, String> subscriber = clientTwo.connectPubSub()) {
            RedisCommands<String, String> one = connectionOne.sync();
            RedisCommands<String, String> two = connectionTwo.sync();

            // A lock both regions try to take at once: exactly one gets OK.
            SetArgs lease = SetArgs.Builder.nx().px(LOCK_LEASE_MILLIS);
            List<String> replies = concurrently(() -> one.set("lettuce:lock", "token-1", lease),
                    () -> two.set("lettuce:lock", "token-2", lease));
            assertThat(replies.stream().filter("OK"::equals).count())
                    .as("OK replies to SET lettuce:lock NX PX at two regions: %s", replies).isEqualTo(1);
            RedisCommands<String, String> holder = "OK".equals(replies.get(0)) ? one : two;
            RedisCommands<String, String> loser = holder == one ? two : one;
            String holderToken = holder == one ? "token-1" : "token-2";
            String loserToken = holder == one ? "token-2" : "token-1";
            String[] lockKey = {"lettuce:lock"};
            assertThat((Long) loser.eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER, lockKey, loserToken)).isZero();
            assertThat((Long) holder.eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER, lockKey, holderToken))
                    .isEqualTo(1L);
            awaitTrue("the released lock is free for the other region",
                    () -> "OK".equals(loser.set("lettuce:lock", loserToken, lease)));
            assertThat((Long) loser.eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER, lockKey, loserToken))
                    .isEqualTo(1L);

            // A WATCHed transaction.
            one.set("lettuce:visits", "41");
            assertThat(one.watch("lettuce:visits")).isEqualTo("OK");
            long current = Long.parseLong(one.get("lettuce:visits"));
            assertThat(one.multi()).isEqualTo("OK");
            one.set("lettuce:visits", Long.toString(current + 1));
            one.sadd("lettuce:visitors", "alice");
            one.get("lettuce:visits");
            TransactionResult result = one.exec();
            assertThat(result.wasDiscarded()).as("EXEC after an unchallenged WATCH was discarded").isFalse();
            assertThat(result.stream().toList()).containsExactly("OK", 1L, "42");

            // A session key with a TTL.
            assertThat(one.setex("lettuce:session", 100, "x")).isEqualTo("OK");
            assertThat(one.ttl("lettuce:session")).isBetween(1L, 100L);
            assertThat(one.get("lettuce:session")).isEqualTo("x");

            // A script by EVAL and by EVALSHA.
            String bump = "return redis.call('incrby', KEYS[1], ARGV[1])";
            String[] counter = {"lettuce:counter"};
            assertThat((Long) one.eval(bump, ScriptOutputType.INTEGER, counter, "5")).isEqualTo(5L);
            String sha = one.scriptLoad(bump);
            assertThat((Long) one.evalsha(sha, ScriptOutputType.INTEGER, counter, "2")).isEqualTo(7L);

            // Pub/sub: a listener on a pub/sub connection at region 2, a publisher at region 1.
            CountDownLatch received = new CountDownLatch(1);
            List<String> messages = new CopyOnWriteArrayList<>();
            subscriber.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    messages.add(channel + ":" + message);
                    received.countDown();
                }
            });
            subscriber.sync().subscribe("lettuce:news");
            publishUntil(() -> one.publish("lettuce:news", "hello"), received);
            assertThat(messages).first().isEqualTo("lettuce:news:hello");
            subscriber.sync().unsubscribe("lettuce:news");
        } finally {
            clientOne.shutdown(Duration.ZERO, Duration.ofSeconds(5));
            clientTwo.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        }
    }
}
