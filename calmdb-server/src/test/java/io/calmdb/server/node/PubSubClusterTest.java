package io.calmdb.server.node;

import static io.calmdb.server.node.TestCluster.REGIONS;
import static io.calmdb.server.node.TestCluster.WAIT_MAX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.resp.RedisPy;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisProtocol;

/**
 * Pub/sub across a real three-region cluster (three CalmNodes over loopback): a message published in Virginia reaches
 * subscribers in Frankfurt and Tokyo through Jedis, Lettuce and redis-py, in RESP2 and RESP3, in publishing order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PubSubClusterTest {
    private static final ReplicaId VIRGINIA = REGIONS.get(0);
    private static final ReplicaId FRANKFURT = REGIONS.get(1);
    private static final ReplicaId TOKYO = REGIONS.get(2);
    /** Numbered messages each test publishes after its subscribers are reachable. */
    private static final int MESSAGES = 50;

    private TestCluster cluster;

    @BeforeAll
    void start(@TempDir Path directory) {
        cluster = new TestCluster(directory);
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    private int port(ReplicaId region) {
        return cluster.node(region).respPort();
    }

    /**
     * Publishes probes from Virginia until every subscriber queue got one (the links are up: pub/sub is best effort
     * and a message published before a link connects is gone), then the numbered messages; returns what each queue
     * got after its first probe, probes left out.
     */
    private static List<List<String>> publishAfterLinked(Jedis publisher, String channel,
            List<BlockingQueue<String>> queues) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_MAX.toNanos();
        for (BlockingQueue<String> queue : queues) {
            while (true) {
                if (System.nanoTime() >= deadline) {
                    fail("a probe published at virginia did not reach every subscriber within " + WAIT_MAX);
                }
                publisher.publish(channel, "probe");
                String got = queue.poll(50, TimeUnit.MILLISECONDS);
                if ("probe".equals(got)) {
                    break;
                }
            }
        }
        for (int i = 1; i <= MESSAGES; i++) {
            publisher.publish(channel, "m" + i);
        }
        List<List<String>> received = new ArrayList<>();
        for (BlockingQueue<String> queue : queues) {
            List<String> messages = new ArrayList<>();
            while (messages.size() < MESSAGES) {
                String got = queue.poll(WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(got).as("message %d of %d arrived", messages.size() + 1, MESSAGES).isNotNull();
                if (!got.equals("probe")) {
                    messages.add(got);
                }
            }
            received.add(messages);
        }
        return received;
    }

    private static List<String> numbered() {
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= MESSAGES; i++) {
            expected.add("m" + i);
        }
        return expected;
    }

    /** A Jedis subscriber on its own thread, putting each message it gets into {@code queue}. */
    private static Thread jedisSubscriber(Jedis jedis, JedisPubSub listener, String channel) {
        Thread thread = new Thread(() -> jedis.subscribe(listener, channel), "jedis-subscriber");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static JedisPubSub queueing(BlockingQueue<String> queue) {
        return new JedisPubSub() {
            @Override
            public void onMessage(String channel, String message) {
                queue.add(message);
            }

            @Override
            public void onPMessage(String pattern, String channel, String message) {
                queue.add(message);
            }
        };
    }

    @Test
    void jedis_resp2AndResp3Subscribers_inTwoRegions_getVirginiasMessagesInOrder() throws Exception {
        BlockingQueue<String> frankfurt = new LinkedBlockingQueue<>();
        BlockingQueue<String> tokyo = new LinkedBlockingQueue<>();
        JedisPubSub frankfurtListener = queueing(frankfurt);
        JedisPubSub tokyoListener = queueing(tokyo);
        try (Jedis resp2 = new Jedis("127.0.0.1", port(FRANKFURT), 60_000);
                Jedis resp3 = new Jedis(new HostAndPort("127.0.0.1", port(TOKYO)), DefaultJedisClientConfig.builder()
                        .protocol(RedisProtocol.RESP3).socketTimeoutMillis(60_000).build());
                Jedis publisher = new Jedis("127.0.0.1", port(VIRGINIA), 10_000)) {
            Thread one = jedisSubscriber(resp2, frankfurtListener, "jedis.news");
            Thread two = jedisSubscriber(resp3, tokyoListener, "jedis.news");
            List<List<String>> received = publishAfterLinked(publisher, "jedis.news", List.of(frankfurt, tokyo));
            assertThat(received.get(0)).containsExactlyElementsOf(numbered());
            assertThat(received.get(1)).containsExactlyElementsOf(numbered());
            try (Jedis frankfurtInfo = new Jedis("127.0.0.1", port(FRANKFURT), 10_000)) {
                assertThat(frankfurtInfo.info("replication")).containsPattern("publishesDelivered:[1-9]");
            }
            frankfurtListener.unsubscribe();
            tokyoListener.unsubscribe();
            one.join(WAIT_MAX.toMillis());
            two.join(WAIT_MAX.toMillis());
            assertThat(one.isAlive() || two.isAlive()).as("the subscriber threads ended on UNSUBSCRIBE").isFalse();
        }
    }

    @Test
    void lettuce_resp3AndResp2Subscribers_getVirginiasMessages_onAChannelAndAPattern() throws Exception {
        BlockingQueue<String> frankfurt = new LinkedBlockingQueue<>();
        BlockingQueue<String> tokyo = new LinkedBlockingQueue<>();
        RedisClient resp3Client = RedisClient.create(RedisURI.create("127.0.0.1", port(FRANKFURT)));
        RedisClient resp2Client = RedisClient.create(RedisURI.create("127.0.0.1", port(TOKYO)));
        resp2Client.setOptions(ClientOptions.builder().protocolVersion(ProtocolVersion.RESP2).build());
        try (StatefulRedisPubSubConnection<String, String> resp3 = resp3Client.connectPubSub();
                StatefulRedisPubSubConnection<String, String> resp2 = resp2Client.connectPubSub();
                Jedis publisher = new Jedis("127.0.0.1", port(VIRGINIA), 10_000)) {
            resp3.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    frankfurt.add(message);
                }
            });
            resp2.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String pattern, String channel, String message) {
                    tokyo.add(message);
                }
            });
            resp3.sync().subscribe("lettuce.news");
            resp2.sync().psubscribe("lettuce.*");
            // A subscribed RESP2 connection may still PING; Redis answers the frame ["pong", ""], of which Lettuce
            // returns the payload.
            assertThat(resp2.sync().ping()).isEmpty();
            List<List<String>> received = publishAfterLinked(publisher, "lettuce.news", List.of(frankfurt, tokyo));
            assertThat(received.get(0)).containsExactlyElementsOf(numbered());
            assertThat(received.get(1)).containsExactlyElementsOf(numbered());
        } finally {
            resp3Client.shutdown(0, 2, TimeUnit.SECONDS);
            resp2Client.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    @Test
    void aMessagePublishedDuringAPartition_neverArrivesAfterTheHeal() throws Exception {
        BlockingQueue<String> tokyo = new LinkedBlockingQueue<>();
        JedisPubSub listener = queueing(tokyo);
        try (Jedis subscriber = new Jedis("127.0.0.1", port(TOKYO), 60_000);
                Jedis publisher = new Jedis("127.0.0.1", port(VIRGINIA), 10_000)) {
            Thread thread = jedisSubscriber(subscriber, listener, "partitioned");
            publishAfterLinked(publisher, "partitioned", List.of(tokyo));
            cluster.node(VIRGINIA).partition(java.util.Set.of(TOKYO));
            for (int i = 0; i < 20; i++) {
                assertThat(publisher.publish("partitioned", "during")).as("Tokyo's subscriber is not local").isZero();
            }
            cluster.node(VIRGINIA).heal(java.util.Set.of());
            List<List<String>> after = publishAfterLinked(publisher, "partitioned", List.of(tokyo));
            assertThat(after.get(0)).containsExactlyElementsOf(numbered());
            listener.unsubscribe();
            thread.join(WAIT_MAX.toMillis());
        }
    }

    @Test
    void redisPy_subscribersInTwoRegions_getMessagesPublishedInVirginia() throws Exception {
        RedisPy.requireInstalled();
        String output = RedisPy.run("""
                import os, time, redis
                ports = [int(os.environ[name]) for name in ('PORT', 'PORT2', 'PORT3')]
                publisher = redis.Redis(host='127.0.0.1', port=ports[0])
                subscribers = []
                for port in ports[1:]:
                    p = redis.Redis(host='127.0.0.1', port=port).pubsub(ignore_subscribe_messages=True)
                    p.subscribe('py.news')
                    subscribers.append(p)
                def next_message(p, deadline):
                    while time.monotonic() < deadline:
                        m = p.get_message(timeout=0.05)
                        if m is not None:
                            return m['data']
                    raise AssertionError('no message in time')
                deadline = time.monotonic() + 30
                for p in subscribers:
                    while True:
                        publisher.publish('py.news', 'probe')
                        m = p.get_message(timeout=0.05)
                        if m is not None and m['data'] == b'probe':
                            break
                        assert time.monotonic() < deadline, 'no probe arrived'
                for i in range(1, 51):
                    publisher.publish('py.news', 'm%d' % i)
                counts = []
                for p in subscribers:
                    got = []
                    while len(got) < 50:
                        data = next_message(p, deadline)
                        if data != b'probe':
                            got.append(data.decode())
                    assert got == ['m%d' % i for i in range(1, 51)], got
                    counts.append(len(got))
                print(counts)
                """, port(VIRGINIA), port(FRANKFURT), port(TOKYO));
        assertThat(output).isEqualTo("[50, 50]");
    }
}
