package io.calmdb.server.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.VersionVector;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.storage.CorruptStorageException;
import io.calmdb.server.storage.FsyncPolicy;
import io.calmdb.server.storage.StorageOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableKeyspaceTest {
    private static final ReplicaId TOKYO = ReplicaId.of("tokyo");

    @TempDir
    Path directory;

    private StorageOptions options() {
        return new StorageOptions(directory.resolve("data"), "test-cluster", TOKYO, FsyncPolicy.ALWAYS);
    }

    private static Bytes b(String text) {
        return Bytes.ofUtf8(text);
    }

    private static void randomWrites(DurableKeyspace durable, SplittableRandom random, int count, long now) throws Exception {
        Keyspace keyspace = durable.keyspace();
        CompletableFuture<Long> last = CompletableFuture.completedFuture(0L);
        for (int i = 0; i < count; i++) {
            Bytes key = b("k" + random.nextInt(20));
            OrMap<Bytes, KeyValue> delta;
            try {
                delta = switch (random.nextInt(6)) {
                    case 0 -> keyspace.set(key, b("v" + i), now + i).delta();
                    case 1 -> keyspace.incrementBy(key, 1 + random.nextInt(5), now + i).delta();
                    case 2 -> keyspace.delete(List.of(key)).delta();
                    case 3 -> keyspace.setAdd(key, List.of(b("m" + random.nextInt(5))), now + i).delta();
                    case 4 -> keyspace.setRemove(key, List.of(b("m" + random.nextInt(5)))).delta();
                    default -> keyspace.hashSet(key, Map.of(b("f" + random.nextInt(3)), b("x" + i)), now + i).delta();
                };
            } catch (KeyspaceException refused) {
                continue;
            }
            if (delta != null) {
                last = durable.log(delta, TOKYO, i + 1);
            }
        }
        last.get(10, TimeUnit.SECONDS);
    }

    /** Checkpoints every key the tests write (a superset of the changed ones, as the core would choose). */
    private static void checkpoint(DurableKeyspace durable, VersionVector delivered) throws Exception {
        DurableKeyspace.Checkpoint checkpoint = durable.beginCheckpoint();
        List<Bytes> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            keys.add(b("k" + i));
        }
        keys.add(b("cart"));
        for (Bytes key : keys) {
            OrMap<Bytes, KeyValue> state = durable.keyspace().extract(key);
            checkpoint.put(key, state == null ? null : io.calmdb.crdt.Codecs.encode(Keyspace.CODEC, state));
        }
        checkpoint.commit(durable.keyspace().context().copy(), delivered).get(10, TimeUnit.SECONDS);
    }

    @Test
    void reopen_rebuildsTheExactState_fromLogAlone_andFromCheckpointPlusLog() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            Path data = directory.resolve("seed-" + seed);
            StorageOptions options = new StorageOptions(data, "test-cluster", TOKYO, FsyncPolicy.ALWAYS);
            SplittableRandom random = new SplittableRandom(seed);
            OrMap<Bytes, KeyValue> expected;
            try (DurableKeyspace durable = DurableKeyspace.open(options, new Keyspace(TOKYO))) {
                randomWrites(durable, random, 300, 1_000);
                checkpoint(durable, VersionVector.empty());
                randomWrites(durable, random, 300, 5_000);
                expected = durable.keyspace().state().copy();
            }
            try (DurableKeyspace reopened = DurableKeyspace.open(options, new Keyspace(TOKYO))) {
                assertThat(reopened.keyspace().state()).as("seed %d", seed).isEqualTo(expected);
                assertThat(reopened.recoveredStates()).as("seed %d", seed).isPositive();
                // Checkpoint again and reopen once more: the states alone must carry everything, and the
                // checkpoint must carry the broadcast position the truncated records held.
                assertThat(reopened.recoveredDelivered().get(TOKYO)).as("seed %d", seed).isPositive();
                checkpoint(reopened, reopened.recoveredDelivered());
            }
            try (DurableKeyspace again = DurableKeyspace.open(options, new Keyspace(TOKYO))) {
                assertThat(again.keyspace().state()).as("seed %d after second checkpoint", seed).isEqualTo(expected);
                assertThat(again.recoveredDelivered().get(TOKYO)).as("seed %d", seed).isPositive();
                assertThat(again.recoveredRecords()).as("seed %d: the log was truncated", seed).isZero();
            }
        }
    }

    @Test
    void afterRestart_newWritesNeverReuseADot_andRemovedValuesStayRemoved() throws Exception {
        OrMap<Bytes, KeyValue> oldAdd;
        try (DurableKeyspace durable = DurableKeyspace.open(options(), new Keyspace(TOKYO))) {
            oldAdd = durable.keyspace().setAdd(b("cart"), List.of(b("milk")), 1_000).delta();
            durable.log(oldAdd, TOKYO, 1);
            durable.log(durable.keyspace().delete(List.of(b("cart"))).delta(), TOKYO, 2).get(10, TimeUnit.SECONDS);
            checkpoint(durable, VersionVector.empty());
        }
        try (DurableKeyspace reopened = DurableKeyspace.open(options(), new Keyspace(TOKYO))) {
            Keyspace keyspace = reopened.keyspace();
            // The add delivered again (say, a peer's retransmission) does not resurrect the removed element.
            keyspace.apply(oldAdd.copy());
            assertThat(keyspace.exists(b("cart"))).isFalse();
            // A new add gets a dot above every dot handed out before the restart.
            OrMap<Bytes, KeyValue> fresh = keyspace.setAdd(b("cart"), List.of(b("eggs")), 2_000).delta();
            assertThat(fresh.context().max(TOKYO)).isGreaterThan(oldAdd.context().max(TOKYO) + 1);
            assertThat(keyspace.setMembers(b("cart"))).containsExactly(b("eggs"));
        }
    }

    @Test
    void aRecordThatIsNotAKeyspaceDelta_makesOpenFail() throws Exception {
        try (DurableKeyspace durable = DurableKeyspace.open(options(), new Keyspace(TOKYO))) {
            durable.storage().append(new byte[] {1}, 1, new byte[] {9, 9, 9}).get(10, TimeUnit.SECONDS);
        }
        assertThatThrownBy(() -> DurableKeyspace.open(options(), new Keyspace(TOKYO)))
                .isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining("log record at position 1");
    }

    @Test
    void loggedDeltas_encodeWithTheKeyspaceCodec() throws Exception {
        try (DurableKeyspace durable = DurableKeyspace.open(options(), new Keyspace(TOKYO))) {
            OrMap<Bytes, KeyValue> delta = durable.keyspace().set(b("a"), b("1"), 1_000).delta();
            durable.log(delta, TOKYO, 1).get(10, TimeUnit.SECONDS);
            List<byte[]> payloads = new java.util.ArrayList<>();
            durable.storage().forEachLogRecordAfter(0, record -> payloads.add(record.payload()));
            assertThat(payloads).hasSize(1);
            assertThat(Codecs.decode(Keyspace.CODEC, payloads.get(0))).isEqualTo(delta);
        }
    }
}
