package io.calmdb.server.node;

import static io.calmdb.server.node.TestCluster.REGIONS;
import static io.calmdb.server.node.TestCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.resp.RedisPy;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** Key expiry through real clients (redis-py, Jedis, Lettuce) against a real three-region cluster. */
class KeyExpiryClientsTest {
    private static final ReplicaId VIRGINIA = REGIONS.get(0);
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

    @Test
    void redisPy_setWithEx_ttl_expire_andTheKeyExpires() throws Exception {
        RedisPy.requireInstalled();
        String output = RedisPy.run("""
                import os, time, redis
                r = redis.Redis(host='127.0.0.1', port=int(os.environ['PORT']))
                assert r.set('py-ttl', 'v', ex=100)
                assert 99 <= r.ttl('py-ttl') <= 100, r.ttl('py-ttl')
                assert r.set('py-short', 'v', px=300)
                assert r.expire('py-ttl', 50)
                assert r.ttl('py-ttl') == 50, r.ttl('py-ttl')
                assert r.ttl('py-missing') == -2
                assert r.persist('py-ttl')
                assert r.ttl('py-ttl') == -1
                assert r.getex('py-ttl', px=200000) == b'v'
                assert 199 <= r.ttl('py-ttl') <= 200
                deadline = time.monotonic() + 30
                while r.exists('py-short') and time.monotonic() < deadline:
                    time.sleep(0.02)
                assert not r.exists('py-short')
                print(r.get('py-short'))
                """, cluster.node(VIRGINIA).respPort());
        assertThat(output).isEqualTo("None");
    }

    @Test
    void jedis_setexAndTtl_expireInAnotherRegion() {
        try (Jedis virginia = new Jedis("127.0.0.1", cluster.node(VIRGINIA).respPort(), 10_000);
                Jedis tokyo = new Jedis("127.0.0.1", cluster.node(TOKYO).respPort(), 10_000)) {
            assertThat(virginia.setex("jedis-ttl", 100, "v")).isEqualTo("OK");
            assertThat(virginia.ttl("jedis-ttl")).isBetween(99L, 100L);
            awaitTrue("the TTL replicated to Tokyo", () -> tokyo.ttl("jedis-ttl") > 0);
            assertThat(virginia.psetex("jedis-short", 300, "v")).isEqualTo("OK");
            awaitTrue("the short key reached Tokyo or expired", () -> tokyo.exists("jedis-short")
                    || !virginia.exists("jedis-short"));
            awaitTrue("the short key gone in Tokyo", () -> !tokyo.exists("jedis-short"));
            assertThat(tokyo.ttl("jedis-short")).isEqualTo(-2);
        }
    }

    @Test
    void lettuce_setWithExArgs_andTheKeyExpires() {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1")
                .withPort(cluster.node(VIRGINIA).respPort()).withTimeout(Duration.ofSeconds(10)).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> commands = connection.sync();
            assertThat(commands.set("lettuce-ttl", "v", SetArgs.Builder.ex(100))).isEqualTo("OK");
            assertThat(commands.ttl("lettuce-ttl")).isBetween(99L, 100L);
            assertThat(commands.set("lettuce-short", "v", SetArgs.Builder.px(300))).isEqualTo("OK");
            assertThat(commands.pttl("lettuce-short")).isBetween(1L, 300L);
            awaitTrue("the short key expired", () -> commands.exists("lettuce-short") == 0);
            assertThat(commands.get("lettuce-short")).isNull();
            assertThat(commands.set("lettuce-ttl", "w", SetArgs.Builder.keepttl())).isEqualTo("OK");
            assertThat(commands.ttl("lettuce-ttl")).isBetween(99L, 100L);
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
