package io.calmdb.server.storage;

import io.calmdb.crdt.ReplicaId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/** Shared helpers for the storage tests: options, a recording recovery visitor, and raw RocksDB access. */
final class StorageFixtures {
    static final String CLUSTER = "test-cluster";
    static final ReplicaId REPLICA = ReplicaId.of("virginia");

    private StorageFixtures() {
    }

    static StorageOptions options(Path directory, FsyncPolicy policy) {
        return new StorageOptions(directory, CLUSTER, REPLICA, policy);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Records what recovery visited, in order. */
    static final class RecordingVisitor implements RecoveryVisitor {
        final Map<String, byte[]> states = new LinkedHashMap<>();
        final List<LogRecord> records = new ArrayList<>();
        boolean recordSeenBeforeState;

        @Override
        public void checkpointState(byte[] key, byte[] state) {
            recordSeenBeforeState |= !records.isEmpty();
            states.put(text(key), state);
        }

        @Override
        public void logRecord(LogRecord record) {
            records.add(record);
        }
    }

    static RecordingVisitor reopenAndClose(Path directory, FsyncPolicy policy) {
        RecordingVisitor visitor = new RecordingVisitor();
        NodeStorage.open(options(directory, policy), visitor).close();
        return visitor;
    }

    /** Handles of a store opened directly with RocksDB, bypassing every check, to damage it on purpose. */
    record RawFamilies(RocksDB database, ColumnFamilyHandle system, ColumnFamilyHandle log, ColumnFamilyHandle state,
            ColumnFamilyHandle replication) {
    }

    /** Opens the directory with plain RocksDB and hands the column families to {@code surgery}. */
    static void withRawDatabase(Path directory, RawSurgery surgery) throws RocksDBException {
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY));
        for (String family : RocksNodeStorage.FAMILIES) {
            descriptors.add(new ColumnFamilyDescriptor(family.getBytes(StandardCharsets.US_ASCII)));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions options = new DBOptions();
                RocksDB database = RocksDB.open(options, directory.toString(), descriptors, handles)) {
            try {
                surgery.operate(new RawFamilies(database, handles.get(1), handles.get(2), handles.get(3),
                        handles.get(4)));
            } finally {
                handles.forEach(ColumnFamilyHandle::close);
            }
        }
    }

    /** A change made through raw RocksDB. */
    @FunctionalInterface
    interface RawSurgery {
        void operate(RawFamilies families) throws RocksDBException;
    }

    /** Applies {@code change} to a copy of the value under {@code key} and writes it back. */
    static void rewrite(RawFamilies raw, ColumnFamilyHandle family, byte[] key, Consumer<byte[]> change)
            throws RocksDBException {
        byte[] value = raw.database().get(family, key);
        if (value == null) {
            throw new IllegalStateException("no value under the key to rewrite");
        }
        change.accept(value);
        raw.database().put(family, key, value);
    }
}
