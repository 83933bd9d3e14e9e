package io.calmdb.server.storage;

import static io.calmdb.server.storage.StorageFixtures.bytes;
import static io.calmdb.server.storage.StorageFixtures.options;
import static io.calmdb.server.storage.StorageFixtures.rewrite;
import static io.calmdb.server.storage.StorageFixtures.withRawDatabase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.storage.StorageFixtures.RecordingVisitor;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** Damage a healthy data directory through raw RocksDB and check that open refuses it with a clear message. */
class CorruptStorageTest {
    /** Bytes cut from the end of the write-ahead log: fewer than its last record, so that record is torn. */
    private static final int TORN_TAIL_BYTES = 3;

    @TempDir
    Path directory;

    @BeforeEach
    void writeHealthyStore() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor())) {
            for (int i = 1; i <= 5; i++) {
                storage.append(bytes("key-" + i), i, bytes("delta-" + i)).join();
            }
            try (CheckpointWriter checkpoint = storage.beginCheckpoint()) {
                checkpoint.putState(bytes("key-1"), bytes("state-1"));
                checkpoint.commit().join();
            }
            storage.append(bytes("key-6"), 6, bytes("delta-6")).join();
            storage.putMetadata("version-vector", bytes("vv")).join();
        }
    }

    private void assertOpenFailsWithCorruption(String location, String problem) {
        assertThatThrownBy(() -> NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor()))
                .isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining(location)
                .hasMessageContaining(problem)
                .satisfies(thrown -> assertThat(((CorruptStorageException) thrown).location()).contains(location));
    }

    @Test
    void healthyStore_opens() {
        RecordingVisitor recovered = new RecordingVisitor();
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), recovered)) {
            assertThat(storage.status().recoveredRecords()).isEqualTo(1);
            assertThat(storage.status().tornTailDropped()).isFalse();
        }
        assertThat(recovered.states).containsOnlyKeys("key-1");
        assertThat(recovered.records).extracting(LogRecord::position).containsExactly(6L);
    }

    @Test
    void tornLogTail_isDroppedAndReported_andEveryEarlierWriteRecovers() throws Exception {
        // Cutting the newest write-ahead log file short is what a crash in the middle of its last write leaves.
        Path newestLog;
        try (Stream<Path> files = Files.list(directory)) {
            newestLog = files.filter(file -> file.getFileName().toString().endsWith(".log"))
                    .max(Comparator.comparing(file -> file.getFileName().toString())).orElseThrow();
        }
        try (FileChannel channel = FileChannel.open(newestLog, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - TORN_TAIL_BYTES);
        }
        RecordingVisitor recovered = new RecordingVisitor();
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), recovered)) {
            assertThat(storage.status().tornTailDropped()).isTrue();
            assertThat(storage.status().recoveredRecords()).isEqualTo(1);
            assertThat(storage.status().durabilityInfo()).containsEntry("recovered_torn_tail_dropped", 1)
                    .containsEntry("recovered_log_records", 1L);
            assertThat(storage.getMetadata("version-vector")).as("the torn last write is gone").isEmpty();
        }
        assertThat(recovered.records).extracting(LogRecord::position).containsExactly(6L);
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor())) {
            assertThat(storage.status().tornTailDropped()).as("the next restart finds a clean log").isFalse();
        }
    }

    @Test
    void flippedPayloadByte_inALogRecord_failsOpenNamingThePosition() throws Exception {
        withRawDatabase(directory, raw -> rewrite(raw, raw.log(), RecordFormat.positionKey(3),
                value -> value[value.length - 1] ^= 0x01));
        assertOpenFailsWithCorruption("log record at position 3", "checksum mismatch");
    }

    @Test
    void flippedChecksumByte_inALogRecord_failsOpen() throws Exception {
        withRawDatabase(directory, raw -> rewrite(raw, raw.log(), RecordFormat.positionKey(6),
                value -> value[7] ^= (byte) 0x80));
        assertOpenFailsWithCorruption("log record at position 6", "checksum mismatch");
    }

    @Test
    void truncatedLogRecord_failsOpenSayingItIsTruncated() throws Exception {
        withRawDatabase(directory, raw -> {
            byte[] key = RecordFormat.positionKey(2);
            byte[] value = raw.database().get(raw.log(), key);
            raw.database().put(raw.log(), key, Arrays.copyOf(value, value.length - 3));
        });
        assertOpenFailsWithCorruption("log record at position 2", "truncated");
    }

    @Test
    void logRecordShorterThanItsHeader_failsOpen() throws Exception {
        withRawDatabase(directory, raw -> raw.database().put(raw.log(), RecordFormat.positionKey(4), new byte[3]));
        assertOpenFailsWithCorruption("log record at position 4", "shorter than the");
    }

    @Test
    void logRecordMovedToAnotherPosition_failsOpenBecauseTheChecksumCoversThePosition() throws Exception {
        withRawDatabase(directory, raw -> raw.database().put(raw.log(), RecordFormat.positionKey(5),
                raw.database().get(raw.log(), RecordFormat.positionKey(4))));
        assertOpenFailsWithCorruption("log record at position 5", "checksum mismatch");
    }

    @Test
    void missingLogRecordInTheMiddle_failsOpenReportingTheGap() throws Exception {
        withRawDatabase(directory, raw -> raw.database().delete(raw.log(), RecordFormat.positionKey(2)));
        assertOpenFailsWithCorruption("log record at position 2", "jumps from position 1 to 3");
    }

    @Test
    void missingLogRecordsTheCheckpointCovers_failOpen() throws Exception {
        withRawDatabase(directory, raw -> {
            raw.database().delete(raw.log(), RecordFormat.positionKey(5));
            raw.database().delete(raw.log(), RecordFormat.positionKey(6));
        });
        assertOpenFailsWithCorruption("log records at positions 5 to 5", "checkpoint manifest says");
    }

    @Test
    void flippedByte_inACheckpointState_failsOpenNamingTheKey() throws Exception {
        withRawDatabase(directory, raw -> rewrite(raw, raw.state(), bytes("key-1"),
                value -> value[RecordFormat.HEADER_BYTES] ^= 0x20));
        assertOpenFailsWithCorruption("checkpoint state of key 'key-1'", "checksum mismatch");
    }

    @Test
    void flippedByte_inReplicationMetadata_failsOpenNamingTheBlob() throws Exception {
        withRawDatabase(directory, raw -> rewrite(raw, raw.replication(), bytes("version-vector"),
                value -> value[value.length - 1] ^= 0x01));
        assertOpenFailsWithCorruption("replication metadata 'version-vector'", "checksum mismatch");
    }

    @Test
    void damagedCheckpointManifest_failsOpen() throws Exception {
        withRawDatabase(directory, raw -> rewrite(raw, raw.system(), RocksNodeStorage.MANIFEST_KEY,
                value -> value[value.length - 1] ^= 0x01));
        assertOpenFailsWithCorruption("checkpoint manifest", "checksum mismatch");
    }

    @Test
    void missingFormatMarker_failsOpen() throws Exception {
        withRawDatabase(directory, raw -> raw.database().delete(raw.system(), RocksNodeStorage.IDENTITY_KEY));
        assertOpenFailsWithCorruption("identity record (format marker)", "missing");
    }

    @Test
    void garbledFormatMarker_failsOpen() throws Exception {
        withRawDatabase(directory, raw -> rewrite(raw, raw.system(), RocksNodeStorage.IDENTITY_KEY,
                value -> value[RecordFormat.HEADER_BYTES + 2] = 'X'));
        assertOpenFailsWithCorruption("identity record (format marker)", "checksum mismatch");
    }

    @Test
    void wellSealedIdentityWithoutTheMagic_failsOpenAsGarbledMarker() throws Exception {
        withRawDatabase(directory, raw -> {
            byte[] body = RecordFormat.encodeIdentityBody(StorageFixtures.CLUSTER, StorageFixtures.REPLICA.name());
            body[0] = 'X';
            raw.database().put(raw.system(), RocksNodeStorage.IDENTITY_KEY,
                    RecordFormat.seal(RecordFormat.Kind.IDENTITY, RocksNodeStorage.IDENTITY_KEY, body));
        });
        assertOpenFailsWithCorruption("identity record (format marker)", "garbled");
    }

    @Test
    void directoryOfAnotherFormatVersion_isRefusedAsIncompatible() throws Exception {
        withRawDatabase(directory, raw -> rewrite(raw, raw.system(), RocksNodeStorage.IDENTITY_KEY, value -> {
            value[0] = 3;
            resealChecksum(RocksNodeStorage.IDENTITY_KEY, value);
        }));
        assertThatThrownBy(() -> NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor()))
                .isInstanceOf(IncompatibleStorageException.class)
                .hasMessageContaining("format version 3")
                .hasMessageContaining("reads only version 2");
    }

    @Test
    void directoryOfAnotherReplica_isRefusedAsIncompatible() {
        StorageOptions tokyo = new StorageOptions(directory, StorageFixtures.CLUSTER, ReplicaId.of("tokyo"),
                FsyncPolicy.NO);
        assertThatThrownBy(() -> NodeStorage.open(tokyo, new RecordingVisitor()))
                .isInstanceOf(IncompatibleStorageException.class)
                .hasMessageContaining("replica 'virginia'")
                .hasMessageContaining("replica 'tokyo'");
    }

    @Test
    void directoryOfAnotherCluster_isRefusedAsIncompatible() {
        StorageOptions otherCluster = new StorageOptions(directory, "other-cluster", StorageFixtures.REPLICA,
                FsyncPolicy.NO);
        assertThatThrownBy(() -> NodeStorage.open(otherCluster, new RecordingVisitor()))
                .isInstanceOf(IncompatibleStorageException.class)
                .hasMessageContaining("cluster 'test-cluster'")
                .hasMessageContaining("cluster 'other-cluster'");
    }

    @Test
    void plainRocksDbDirectory_isRefusedForItsMissingColumnFamilies(@TempDir Path plain) throws Exception {
        try (Options rocksOptions = new Options().setCreateIfMissing(true);
                RocksDB database = RocksDB.open(rocksOptions, plain.toString())) {
            database.put(bytes("k"), bytes("v"));
        }
        assertThatThrownBy(() -> NodeStorage.open(options(plain, FsyncPolicy.NO), new RecordingVisitor()))
                .isInstanceOf(CorruptStorageException.class)
                .hasMessageContaining("column family 'system' is missing");
    }

    @Test
    void nonEmptyDirectoryWithoutStorage_isRefused(@TempDir Path other) throws Exception {
        Files.writeString(other.resolve("notes.txt"), "not a database");
        assertThatThrownBy(() -> NodeStorage.open(options(other, FsyncPolicy.NO), new RecordingVisitor()))
                .isInstanceOf(StorageException.class)
                .isNotInstanceOf(CorruptStorageException.class)
                .hasMessageContaining("not empty and holds no CalmDB storage");
        assertThat(Files.readString(other.resolve("notes.txt"))).isEqualTo("not a database");
    }

    @Test
    void missingCurrentFile_failsOpenAsCorrupt() throws Exception {
        Files.delete(directory.resolve("CURRENT"));
        assertOpenFailsWithCorruption("data directory", "CURRENT file is missing");
    }

    @Test
    void storeInUseByAnotherHandle_isRefusedWithoutCorruptingIt() {
        try (NodeStorage first = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor())) {
            assertThatThrownBy(() -> NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor()))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("in use by another process");
            assertThat(first.append(bytes("k"), 7, bytes("d")).join()).isEqualTo(7);
        }
    }

    /** Recomputes the envelope checksum the way {@link RecordFormat} defines it: key, header without it, body. */
    private static void resealChecksum(byte[] storageKey, byte[] value) {
        CRC32C crc = new CRC32C();
        crc.update(storageKey);
        crc.update(value, 0, 6);
        crc.update(value, RecordFormat.HEADER_BYTES, value.length - RecordFormat.HEADER_BYTES);
        int checksum = (int) crc.getValue();
        value[6] = (byte) (checksum >>> 24);
        value[7] = (byte) (checksum >>> 16);
        value[8] = (byte) (checksum >>> 8);
        value[9] = (byte) checksum;
    }
}
