package io.calmdb.server.storage;

import static io.calmdb.server.storage.StorageFixtures.bytes;
import static io.calmdb.server.storage.StorageFixtures.options;
import static io.calmdb.server.storage.StorageFixtures.reopenAndClose;
import static io.calmdb.server.storage.StorageFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.server.storage.StorageFixtures.RecordingVisitor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodeStorageTest {
    /** Appends queued before the one whose callback tries to close the store. */
    private static final int QUEUED_AHEAD_OF_CALLBACK_RECORDS = 4_000;

    @TempDir
    Path directory;

    @Test
    void append_thenReopen_returnsEveryRecordInOrderWithItsTags() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.ALWAYS), new RecordingVisitor())) {
            assertThat(storage.append(bytes("a"), 1, bytes("delta-1")).join()).isEqualTo(1);
            assertThat(storage.append(bytes("b"), 2, bytes("delta-2")).join()).isEqualTo(2);
            assertThat(storage.append(new byte[0], 3, new byte[0]).join()).isEqualTo(3);
        }
        RecordingVisitor recovered = reopenAndClose(directory, FsyncPolicy.ALWAYS);
        assertThat(recovered.states).isEmpty();
        assertThat(recovered.records).extracting(LogRecord::position).containsExactly(1L, 2L, 3L);
        assertThat(recovered.records).extracting(record -> text(record.key())).containsExactly("a", "b", "");
        assertThat(recovered.records).extracting(LogRecord::originSequence).containsExactly(1L, 2L, 3L);
        assertThat(recovered.records).extracting(record -> text(record.payload()))
                .containsExactly("delta-1", "delta-2", "");
    }

    @Test
    void positions_continueAfterReopen() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor())) {
            storage.append(bytes("a"), 1, bytes("x")).join();
            storage.append(bytes("a"), 2, bytes("y")).join();
        }
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor())) {
            assertThat(storage.status().lastPosition()).isEqualTo(2);
            assertThat(storage.append(bytes("a"), 3, bytes("z")).join()).isEqualTo(3);
        }
    }

    @Test
    void recovery_visitsCheckpointStatesFirstThenOnlyTheRecordsAfterTheCheckpoint() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.ALWAYS), new RecordingVisitor())) {
            storage.append(bytes("k1"), 1, bytes("d1")).join();
            storage.append(bytes("k2"), 2, bytes("d2")).join();
            try (CheckpointWriter checkpoint = storage.beginCheckpoint()) {
                assertThat(checkpoint.coveredPosition()).isEqualTo(2);
                checkpoint.putState(bytes("k1"), bytes("state-k1"));
                checkpoint.putState(bytes("k2"), bytes("state-k2"));
                assertThat(checkpoint.commit().join()).isEqualTo(2);
            }
            storage.append(bytes("k1"), 3, bytes("d3")).join();
            assertThat(storage.status().checkpointPosition()).isEqualTo(2);
        }
        RecordingVisitor recovered = reopenAndClose(directory, FsyncPolicy.ALWAYS);
        assertThat(recovered.recordSeenBeforeState).isFalse();
        assertThat(recovered.states.keySet()).containsExactly("k1", "k2");
        assertThat(text(recovered.states.get("k1"))).isEqualTo("state-k1");
        assertThat(recovered.records).extracting(LogRecord::position).containsExactly(3L);
    }

    @Test
    void truncateLogThrough_deletesCoveredRecordsAndKeepsTheRest() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor())) {
            for (int i = 1; i <= 5; i++) {
                storage.append(bytes("k"), i, bytes("d" + i)).join();
            }
            try (CheckpointWriter checkpoint = storage.beginCheckpoint()) {
                checkpoint.putState(bytes("k"), bytes("d1..d5"));
                checkpoint.commit().join();
            }
            storage.append(bytes("k"), 6, bytes("d6")).join();
            assertThatThrownBy(() -> storage.truncateLogThrough(6))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("position");
            storage.truncateLogThrough(3);
            List<Long> retained = new ArrayList<>();
            storage.forEachLogRecordAfter(0, record -> retained.add(record.position()));
            assertThat(retained).containsExactly(4L, 5L, 6L);
            List<Long> afterFive = new ArrayList<>();
            storage.forEachLogRecordAfter(5, record -> afterFive.add(record.position()));
            assertThat(afterFive).containsExactly(6L);
            storage.forEachLogRecordAfter(Long.MAX_VALUE, record -> afterFive.add(record.position()));
            assertThat(afterFive).containsExactly(6L);
            assertThat(storage.status().logTruncatedThroughPosition()).isEqualTo(3);
        }
        RecordingVisitor recovered = reopenAndClose(directory, FsyncPolicy.NO);
        assertThat(recovered.records).extracting(LogRecord::position).containsExactly(6L);
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor())) {
            storage.truncateLogThrough(5);
            assertThat(storage.append(bytes("k"), 7, bytes("d7")).join()).isEqualTo(7);
        }
        assertThat(reopenAndClose(directory, FsyncPolicy.NO).records)
                .extracting(LogRecord::position).containsExactly(6L, 7L);
    }

    @Test
    void removeState_dropsTheKeyFromLaterRecoveries() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor())) {
            try (CheckpointWriter checkpoint = storage.beginCheckpoint()) {
                checkpoint.putState(bytes("gone"), bytes("s"));
                checkpoint.putState(bytes("kept"), bytes("s"));
                checkpoint.commit().join();
            }
            try (CheckpointWriter checkpoint = storage.beginCheckpoint()) {
                checkpoint.removeState(bytes("gone"));
                checkpoint.commit().join();
            }
        }
        assertThat(reopenAndClose(directory, FsyncPolicy.NO).states.keySet()).containsExactly("kept");
    }

    @Test
    void beginCheckpoint_whileAnotherIsOpen_isRefused() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor())) {
            CheckpointWriter first = storage.beginCheckpoint();
            assertThatThrownBy(storage::beginCheckpoint).isInstanceOf(IllegalStateException.class);
            first.close();
            assertThatThrownBy(() -> first.putState(bytes("k"), bytes("s")))
                    .isInstanceOf(IllegalStateException.class);
            storage.beginCheckpoint().close();
        }
    }

    @Test
    void checkpoint_largerThanOneBatch_isWrittenInBatchesAndRecoveredWhole() {
        byte[] state = new byte[64 * 1024];
        int keys = 2 * NodeStorage.CHECKPOINT_BATCH_BYTES_MAX / state.length + 3;
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor());
                CheckpointWriter checkpoint = storage.beginCheckpoint()) {
            for (int i = 0; i < keys; i++) {
                state[0] = (byte) i;
                checkpoint.putState(bytes("key-" + i), state);
            }
            checkpoint.commit().join();
        }
        RecordingVisitor recovered = reopenAndClose(directory, FsyncPolicy.NO);
        assertThat(recovered.states).hasSize(keys);
        assertThat(recovered.states.get("key-7")[0]).isEqualTo((byte) 7);
    }

    @Test
    void metadata_roundTripsDurablyAndListsByPrefix() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.ALWAYS), new RecordingVisitor())) {
            storage.putMetadata("version-vector", bytes("vv-1")).join();
            storage.putMetadata("version-vector", bytes("vv-2")).join();
            storage.putMetadata("peer/frankfurt/acked", bytes("17")).join();
            storage.putMetadata("peer/tokyo/acked", bytes("9")).join();
            storage.putMetadata("undelivered/1", bytes("delta")).join();
            storage.deleteMetadata("undelivered/1").join();
            assertThat(storage.getMetadata("version-vector")).map(StorageFixtures::text).contains("vv-2");
        }
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.ALWAYS), new RecordingVisitor())) {
            assertThat(storage.getMetadata("version-vector")).map(StorageFixtures::text).contains("vv-2");
            assertThat(storage.getMetadata("undelivered/1")).isEmpty();
            Map<String, String> peers = new TreeMap<>();
            storage.forEachMetadata("peer/", (name, value) -> peers.put(name, text(value)));
            assertThat(peers).containsExactly(Map.entry("peer/frankfurt/acked", "17"),
                    Map.entry("peer/tokyo/acked", "9"));
            List<String> all = new ArrayList<>();
            storage.forEachMetadata("", (name, value) -> all.add(name));
            assertThat(all).containsExactly("peer/frankfurt/acked", "peer/tokyo/acked", "version-vector");
        }
    }

    @Test
    void close_completesEveryQueuedWriteAndIsIdempotent() {
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.ALWAYS), new RecordingVisitor());
        for (int i = 1; i <= 2000; i++) {
            futures.add(storage.append(bytes("k"), i, bytes("d")));
        }
        storage.close();
        storage.close();
        assertThat(futures).allSatisfy(future -> assertThat(future).isCompleted());
        assertThat(reopenAndClose(directory, FsyncPolicy.ALWAYS).records).hasSize(2000);
    }

    @Test
    void writes_afterClose_areRefused() {
        NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.ALWAYS), new RecordingVisitor());
        storage.close();
        assertThatThrownBy(() -> storage.append(bytes("k"), 1, bytes("d")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> storage.putMetadata("m", bytes("v")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> storage.getMetadata("m"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(storage::beginCheckpoint).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void close_fromACompletionCallback_isRefusedInsteadOfDeadlocking() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.ALWAYS), new RecordingVisitor())) {
            // Writes queued ahead keep the writer busy, so the callback is attached before its write completes and
            // therefore runs on the writer thread (a callback attached to a completed future runs on this thread).
            for (int i = 1; i < QUEUED_AHEAD_OF_CALLBACK_RECORDS; i++) {
                storage.append(bytes("k"), i, bytes("d"));
            }
            CompletableFuture<Void> closing = storage.append(bytes("k"), QUEUED_AHEAD_OF_CALLBACK_RECORDS, bytes("d"))
                    .thenRun(storage::close);
            assertThatThrownBy(closing::join).hasCauseInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void arguments_areValidatedWithTheirNames() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor())) {
            assertThatThrownBy(() -> storage.append(null, 1, bytes("d"))).hasMessageContaining("key");
            assertThatThrownBy(() -> storage.append(new byte[NodeStorage.KEY_BYTES_MAX + 1], 1, bytes("d")))
                    .hasMessageContaining("key must be at most");
            assertThatThrownBy(() -> storage.append(bytes("k"), -1, bytes("d")))
                    .hasMessageContaining("originSequence");
            assertThatThrownBy(() -> storage.append(bytes("k"), 1, null)).hasMessageContaining("payload");
            assertThatThrownBy(() -> storage.putMetadata("", bytes("v"))).hasMessageContaining("name");
            assertThatThrownBy(() -> storage.truncateLogThrough(-1)).hasMessageContaining("position");
        }
        assertThatThrownBy(() -> NodeStorage.open(null, new RecordingVisitor())).hasMessageContaining("options");
        assertThatThrownBy(() -> NodeStorage.open(options(directory, FsyncPolicy.NO), null))
                .hasMessageContaining("visitor");
        assertThatThrownBy(() -> options(directory, null)).hasMessageContaining("fsyncPolicy");
    }

    /**
     * The store against an oracle: a max-register per key (merge is max, idempotent like every CRDT merge). Random
     * appends, incremental fuzzy checkpoints, truncations and restarts; after each restart the state rebuilt from
     * recovery must equal the oracle's.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void recovery_rebuildsExactlyTheAcknowledgedState_seeded(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Long> oracle = new HashMap<>();
        Set<String> dirtySinceCheckpointBegan = new HashSet<>();
        for (int restart = 0; restart < 4; restart++) {
            RecordingVisitor recovered = new RecordingVisitor();
            try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), recovered)) {
                assertThat(rebuild(recovered)).as("state after restart %d, seed %d", restart, seed)
                        .isEqualTo(oracle);
                for (int operation = 0; operation < 300; operation++) {
                    int choice = random.nextInt(100);
                    if (choice < 90) {
                        String key = "key-" + random.nextInt(20);
                        long value = random.nextLong(1_000_000);
                        storage.append(bytes(key), operation, longBytes(value)).join();
                        oracle.merge(key, value, Math::max);
                        dirtySinceCheckpointBegan.add(key);
                    } else if (choice < 97) {
                        try (CheckpointWriter checkpoint = storage.beginCheckpoint()) {
                            Set<String> dirty = new HashSet<>(dirtySinceCheckpointBegan);
                            dirtySinceCheckpointBegan.clear();
                            for (String key : dirty) {
                                checkpoint.putState(bytes(key), longBytes(oracle.get(key)));
                            }
                            checkpoint.commit().join();
                        }
                    } else {
                        storage.truncateLogThrough(storage.status().checkpointPosition());
                    }
                }
            }
        }
    }

    private static Map<String, Long> rebuild(RecordingVisitor recovered) {
        Map<String, Long> state = new HashMap<>();
        recovered.states.forEach((key, value) -> state.put(key, ByteBuffer.wrap(value).getLong()));
        for (LogRecord record : recovered.records) {
            state.merge(text(record.key()), ByteBuffer.wrap(record.payload()).getLong(), Math::max);
        }
        return state;
    }

    private static byte[] longBytes(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }
}
