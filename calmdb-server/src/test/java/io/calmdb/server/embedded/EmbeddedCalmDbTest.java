package io.calmdb.server.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.node.NodeConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** The typed handles have the Redis commands' semantics and share the keyspace with the RESP front door. */
class EmbeddedCalmDbTest {
    @TempDir
    Path directory;

    private EmbeddedCalmDb db;

    @BeforeEach
    void open() {
        db = EmbeddedCalmDb.open(NodeConfig.builder("embedded-test", ReplicaId.of("virginia"), directory.resolve("data"))
                .build());
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void counter_incrementsAndDecrements_andRedisReadsTheSameValue() throws Exception {
        assertThat(db.counter("hits").get().join()).isZero();
        assertThat(db.counter("hits").increment(10).join()).isEqualTo(10);
        assertThat(db.counter("hits").increment(-3).join()).isEqualTo(7);
        try (Jedis jedis = new Jedis("127.0.0.1", db.node().respPort(), 10_000)) {
            assertThat(jedis.get("hits")).isEqualTo("7");
            jedis.incrBy("hits", 5);
        }
        assertThat(db.counter("hits").get().get(10, TimeUnit.SECONDS)).isEqualTo(12);
    }

    @Test
    void register_setGetAndDelete() {
        assertThat(db.register("name").get().join()).isEmpty();
        db.register("name").set("ada").join();
        assertThat(db.register("name").get().join()).isEqualTo(Optional.of("ada"));
        assertThat(db.register("name").delete().join()).isTrue();
        assertThat(db.register("name").delete().join()).isFalse();
    }

    @Test
    void set_addRemoveContains() {
        assertThat(db.set("s").add("a", "b", "a").join()).isEqualTo(2);
        assertThat(db.set("s").contains("a").join()).isTrue();
        assertThat(db.set("s").remove("a", "zz").join()).isEqualTo(1);
        assertThat(db.set("s").members().join()).containsExactly("b");
    }

    @Test
    void map_putGetIncrementRemove() {
        assertThat(db.map("m").put("f", "v").join()).isTrue();
        assertThat(db.map("m").put("f", "w").join()).isFalse();
        assertThat(db.map("m").get("f").join()).contains("w");
        assertThat(db.map("m").increment("n", 4).join()).isEqualTo(4);
        assertThat(db.map("m").remove("f").join()).isEqualTo(1);
        assertThat(db.map("m").entries().join()).containsOnlyKeys("n");
    }

    @Test
    void wrongType_failsWithATypedException_andChangesNothing() {
        db.set("s").add("a").join();
        assertThatThrownBy(() -> db.counter("s").increment(1).join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(WrongTypeException.class);
        assertThatThrownBy(() -> db.map("s").put("f", "v").join()).hasCauseInstanceOf(WrongTypeException.class);
        assertThat(db.set("s").members().join()).containsExactly("a");
    }

    @Test
    void notAnInteger_failsWithCalmDbException() {
        db.register("text").set("hello").join();
        assertThatThrownBy(() -> db.counter("text").increment(1).join())
                .hasCauseExactlyInstanceOf(CalmDbException.class);
        assertThatThrownBy(() -> db.counter("text").get().join()).hasCauseExactlyInstanceOf(CalmDbException.class);
    }

    @Test
    void callbacks_mayBlockOnTheApi_withoutStallingTheNode() {
        long value = db.counter("chained").increment(1)
                .thenApply(first -> db.counter("chained").increment(first).join())
                .join();
        assertThat(value).isEqualTo(2);
    }

    @Test
    void writes_surviveAReopen() {
        db.counter("durable").increment(3).join();
        db.close();
        db = EmbeddedCalmDb.open(NodeConfig.builder("embedded-test", ReplicaId.of("virginia"), directory.resolve("data"))
                .build());
        assertThat(db.counter("durable").get().join()).isEqualTo(3);
    }
}
