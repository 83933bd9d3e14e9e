package io.calmdb.server.storage;

import io.calmdb.server.storage.LogWriter.PendingWrite;
import io.calmdb.server.storage.RecordFormat.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NodeStorage} on RocksDB with four column families: {@code system} (identity, checkpoint manifest, log start),
 * {@code log} (write-ahead records keyed by 8-byte big-endian position), {@code state} (checkpointed object states
 * keyed by object key) and {@code replication} (metadata blobs keyed by UTF-8 name). Every value is a
 * {@link RecordFormat} envelope. All column families share RocksDB's one write-ahead log, so a synced write also
 * makes every earlier write to any family durable; the design leans on that for checkpoints.
 *
 * <p>Locks: the sequence lock orders position assignment with submission to the {@link LogWriter}, so the on-disk
 * order is the position order. The lifecycle lock lets reads and checkpoint batches run concurrently while
 * {@link #close()} waits for them before it frees native memory (touching a closed RocksDB handle crashes the JVM).
 */
final class RocksNodeStorage implements NodeStorage {
    private static final Logger LOG = LoggerFactory.getLogger(RocksNodeStorage.class);

    static final String SYSTEM_FAMILY = "system";
    static final String LOG_FAMILY = "log";
    static final String STATE_FAMILY = "state";
    static final String METADATA_FAMILY = "replication";
    static final List<String> FAMILIES = List.of(SYSTEM_FAMILY, LOG_FAMILY, STATE_FAMILY, METADATA_FAMILY);

    static final byte[] IDENTITY_KEY = "identity".getBytes(StandardCharsets.US_ASCII);
    static final byte[] MANIFEST_KEY = "checkpoint".getBytes(StandardCharsets.US_ASCII);
    static final byte[] LOG_START_KEY = "log-truncated-through".getBytes(StandardCharsets.US_ASCII);

    /** How many characters of a key an error message shows. */
    private static final int KEY_PREVIEW_CHARACTERS_MAX = 64;

    static {
        RocksDB.loadLibrary();
    }

    private final Path directory;
    private final FsyncPolicy fsyncPolicy;
    private final DBOptions databaseOptions;
    private final ColumnFamilyOptions familyOptions;
    private final List<ColumnFamilyHandle> handles;
    private final RocksDB database;
    private final ColumnFamilyHandle systemFamily;
    private final ColumnFamilyHandle logFamily;
    private final ColumnFamilyHandle stateFamily;
    private final ColumnFamilyHandle metadataFamily;
    private final WriteOptions unsyncedWrite = new WriteOptions().setSync(false);

    private final Object sequenceLock = new Object();
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final Object truncationLock = new Object();

    private LogWriter writer;
    private volatile boolean closed;
    private volatile long lastPosition;
    private volatile long checkpointPosition;
    private volatile long logTruncatedThroughPosition;
    private boolean checkpointOpen;
    private boolean tornTailDropped;
    private long recoveredRecords;

    private RocksNodeStorage(Path directory, FsyncPolicy fsyncPolicy, DBOptions databaseOptions,
            ColumnFamilyOptions familyOptions, List<ColumnFamilyHandle> handles, RocksDB database) {
        this.directory = directory;
        this.fsyncPolicy = fsyncPolicy;
        this.databaseOptions = databaseOptions;
        this.familyOptions = familyOptions;
        this.handles = handles;
        this.database = database;
        // handles[0] is RocksDB's mandatory default family, which the store leaves empty.
        this.systemFamily = handles.get(1);
        this.logFamily = handles.get(2);
        this.stateFamily = handles.get(3);
        this.metadataFamily = handles.get(4);
    }

    static NodeStorage open(StorageOptions options, RecoveryVisitor visitor) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        if (visitor == null) {
            throw new IllegalArgumentException("visitor must not be null");
        }
        Path directory = options.dataDirectory().toAbsolutePath();
        boolean fresh = prepareDirectory(directory);
        if (!fresh) {
            checkFamilies(directory);
        }
        OpenedDatabase opened;
        boolean tornTailDropped = false;
        try {
            opened = openDatabase(directory, fresh, WALRecoveryMode.AbsoluteConsistency);
        } catch (RocksDBException strictFailure) {
            if (!isCorruption(strictFailure)) {
                throw translate(strictFailure, "data directory " + directory);
            }
            // Strict replay refused the write-ahead log. Point-in-time recovery keeps every record before the first
            // unreadable one and drops the rest, so what survives is still a prefix. After a crash that rest is the
            // torn tail of a write the crash cut short: after a process crash it was never acknowledged; after a
            // power loss under everysec or no it may have been acknowledged but not yet synced, which is the loss
            // those policies allow. A damaged SST file, or damage followed by a later log file that holds data,
            // still fails this second open.
            try {
                opened = openDatabase(directory, false, WALRecoveryMode.PointInTimeRecovery);
            } catch (RocksDBException e) {
                throw translate(e, "data directory " + directory);
            }
            tornTailDropped = true;
            LOG.warn("Storage in {}: the write-ahead log ended in a torn record ({}); recovered the records before "
                    + "it and dropped the tail", directory, strictFailure.getMessage());
        }
        DBOptions databaseOptions = opened.databaseOptions();
        ColumnFamilyOptions familyOptions = opened.familyOptions();
        List<ColumnFamilyHandle> handles = opened.handles();
        RocksDB database = opened.database();
        RocksNodeStorage store = new RocksNodeStorage(directory, options.fsyncPolicy(), databaseOptions,
                familyOptions, handles, database);
        try {
            if (fresh) {
                store.initialise(options);
            }
            store.verifyIdentity(options);
            store.tornTailDropped = tornTailDropped;
            store.recover(visitor);
            store.writer = new LogWriter(database, options.fsyncPolicy(), options.replicaId().name());
        } catch (RuntimeException | Error e) {
            store.releaseNativeResources();
            throw e;
        }
        return store;
    }

    /** The native objects of an open database, released together by {@link #releaseNativeResources()}. */
    private record OpenedDatabase(DBOptions databaseOptions, ColumnFamilyOptions familyOptions,
            List<ColumnFamilyHandle> handles, RocksDB database) {
    }

    /** Opens RocksDB with the store's options, replaying the write-ahead log in {@code recoveryMode}. */
    private static OpenedDatabase openDatabase(Path directory, boolean fresh, WALRecoveryMode recoveryMode)
            throws RocksDBException {
        DBOptions databaseOptions = new DBOptions()
                .setCreateIfMissing(fresh)
                .setCreateMissingColumnFamilies(fresh)
                .setParanoidChecks(true)
                .setWalRecoveryMode(recoveryMode)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(2)
                .setMaxBackgroundJobs(2);
        ColumnFamilyOptions familyOptions = new ColumnFamilyOptions();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions));
        for (String family : FAMILIES) {
            descriptors.add(new ColumnFamilyDescriptor(family.getBytes(StandardCharsets.US_ASCII), familyOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB database = RocksDB.open(databaseOptions, directory.toString(), descriptors, handles);
            return new OpenedDatabase(databaseOptions, familyOptions, handles, database);
        } catch (RocksDBException | RuntimeException e) {
            familyOptions.close();
            databaseOptions.close();
            throw e;
        }
    }

    private static boolean isCorruption(RocksDBException e) {
        return e.getStatus() != null && e.getStatus().getCode() == Status.Code.Corruption;
    }

    /** Returns true if the directory holds no storage yet; refuses a directory that holds something else. */
    private static boolean prepareDirectory(Path directory) {
        try {
            if (!Files.exists(directory)) {
                Files.createDirectories(directory);
                return true;
            }
            if (!Files.isDirectory(directory)) {
                throw new StorageException("data directory " + directory + " exists but is not a directory");
            }
            if (Files.exists(directory.resolve("CURRENT"))) {
                return false;
            }
            try (Stream<Path> entries = Files.list(directory)) {
                List<String> names = entries.map(entry -> entry.getFileName().toString()).toList();
                if (names.isEmpty()) {
                    return true;
                }
                boolean looksLikeRocksDb = names.stream().anyMatch(name -> name.equals("IDENTITY")
                        || name.startsWith("MANIFEST-") || name.endsWith(".sst") || name.endsWith(".log"));
                if (looksLikeRocksDb) {
                    throw new CorruptStorageException("data directory " + directory,
                            "RocksDB files are present but the CURRENT file is missing");
                }
                throw new StorageException("data directory " + directory + " is not empty and holds no CalmDB "
                        + "storage; give the storage a directory of its own");
            }
        } catch (IOException e) {
            throw new StorageException("cannot use data directory " + directory + ": " + e, e);
        }
    }

    private static void checkFamilies(Path directory) {
        Set<String> present = new HashSet<>();
        try (Options listOptions = new Options()) {
            for (byte[] name : RocksDB.listColumnFamilies(listOptions, directory.toString())) {
                present.add(new String(name, StandardCharsets.US_ASCII));
            }
        } catch (RocksDBException e) {
            throw translate(e, "data directory " + directory);
        }
        for (String family : FAMILIES) {
            if (!present.contains(family)) {
                throw new CorruptStorageException("data directory " + directory, "column family '" + family
                        + "' is missing, so this is not CalmDB storage or its format marker is lost");
            }
        }
    }

    private void initialise(StorageOptions options) {
        try (WriteBatch batch = new WriteBatch(); WriteOptions synced = new WriteOptions().setSync(true)) {
            byte[] identity = RecordFormat.encodeIdentityBody(options.clusterName(), options.replicaId().name());
            batch.put(systemFamily, IDENTITY_KEY, RecordFormat.seal(Kind.IDENTITY, IDENTITY_KEY, identity));
            batch.put(systemFamily, MANIFEST_KEY,
                    RecordFormat.seal(Kind.CHECKPOINT_MANIFEST, MANIFEST_KEY, RecordFormat.encodeLong(0)));
            batch.put(systemFamily, LOG_START_KEY,
                    RecordFormat.seal(Kind.LOG_START, LOG_START_KEY, RecordFormat.encodeLong(0)));
            database.write(synced, batch);
        } catch (RocksDBException e) {
            throw translate(e, "identity record in " + directory);
        }
        LOG.info("Created storage in {} for cluster '{}', replica '{}'", directory, options.clusterName(),
                options.replicaId());
    }

    private void verifyIdentity(StorageOptions options) {
        String location = "identity record (format marker) in " + directory;
        byte[] value = get(systemFamily, IDENTITY_KEY, location);
        if (value == null) {
            throw new CorruptStorageException(location, "missing, so the directory's format cannot be trusted");
        }
        if (value.length > 0 && value[0] != RecordFormat.FORMAT_VERSION
                && RecordFormat.checksumMatches(IDENTITY_KEY, value)) {
            throw new IncompatibleStorageException("data directory " + directory + " was written by storage format "
                    + "version " + value[0] + "; this build reads only version " + RecordFormat.FORMAT_VERSION);
        }
        String[] identity = RecordFormat.decodeIdentityBody(
                RecordFormat.open(Kind.IDENTITY, IDENTITY_KEY, value, location), location);
        if (!identity[0].equals(options.clusterName()) || !identity[1].equals(options.replicaId().name())) {
            throw new IncompatibleStorageException("data directory " + directory + " belongs to cluster '"
                    + identity[0] + "', replica '" + identity[1] + "', but this node is cluster '"
                    + options.clusterName() + "', replica '" + options.replicaId() + "'; refusing to mix histories");
        }
    }

    private void recover(RecoveryVisitor visitor) {
        checkpointPosition = readPositionMarker(MANIFEST_KEY, Kind.CHECKPOINT_MANIFEST, "checkpoint manifest");
        logTruncatedThroughPosition = readPositionMarker(LOG_START_KEY, Kind.LOG_START, "log start marker");
        if (logTruncatedThroughPosition > checkpointPosition) {
            throw new CorruptStorageException("log start marker in " + directory, "log truncated through position "
                    + logTruncatedThroughPosition + ", beyond the checkpoint at " + checkpointPosition);
        }
        long states = 0;
        try (RocksIterator iterator = database.newIterator(stateFamily)) {
            for (iterator.seekToFirst(); iterator.isValid(); iterator.next()) {
                byte[] key = iterator.key();
                String location = "checkpoint state of key " + preview(key);
                visitor.checkpointState(key, RecordFormat.open(Kind.OBJECT_STATE, key, iterator.value(), location));
                states++;
            }
            checkIterator(iterator, "state column family");
        }
        long previous = logTruncatedThroughPosition;
        long replayed = 0;
        try (RocksIterator iterator = database.newIterator(logFamily)) {
            for (iterator.seekToFirst(); iterator.isValid(); iterator.next()) {
                long position = RecordFormat.decodePositionKey(iterator.key());
                if (position != previous + 1) {
                    throw new CorruptStorageException("log record at position " + (previous + 1), position
                            <= previous ? "found position " + position + ", which the log should not hold"
                            : "missing: the log jumps from position " + previous + " to " + position);
                }
                String location = "log record at position " + position;
                byte[] body = RecordFormat.open(Kind.LOG_RECORD, iterator.key(), iterator.value(), location);
                LogRecord record = RecordFormat.decodeLogBody(position, body, location);
                if (position > checkpointPosition) {
                    visitor.logRecord(record);
                    replayed++;
                }
                previous = position;
            }
            checkIterator(iterator, "log column family");
        }
        if (previous < checkpointPosition) {
            throw new CorruptStorageException("log records at positions " + (previous + 1) + " to "
                    + checkpointPosition, "missing, although the checkpoint manifest says they were written");
        }
        lastPosition = previous;
        recoveredRecords = replayed;
        long blobs = 0;
        try (RocksIterator iterator = database.newIterator(metadataFamily)) {
            for (iterator.seekToFirst(); iterator.isValid(); iterator.next()) {
                byte[] name = iterator.key();
                RecordFormat.open(Kind.REPLICATION_METADATA, name, iterator.value(), "replication metadata '"
                        + new String(name, StandardCharsets.UTF_8) + "'");
                blobs++;
            }
            checkIterator(iterator, "replication column family");
        }
        LOG.info("Opened storage in {} (fsync {}): {} checkpoint states at position {}, {} records replayed, "
                + "last position {}, {} metadata blobs, torn tail dropped: {}", directory, fsyncPolicy.configName(),
                states, checkpointPosition, replayed, lastPosition, blobs, tornTailDropped ? "yes" : "no");
    }

    private long readPositionMarker(byte[] key, Kind kind, String name) {
        String location = name + " in " + directory;
        byte[] value = get(systemFamily, key, location);
        if (value == null) {
            throw new CorruptStorageException(location, "missing");
        }
        long position = RecordFormat.decodeLong(RecordFormat.open(kind, key, value, location), location);
        if (position < 0) {
            throw new CorruptStorageException(location, "negative position " + position);
        }
        return position;
    }

    @Override
    public FsyncPolicy fsyncPolicy() {
        return fsyncPolicy;
    }

    @Override
    public StorageStatus status() {
        return new StorageStatus(fsyncPolicy, lastPosition, checkpointPosition, logTruncatedThroughPosition,
                writer.pendingWrites(), writer.committedGroups(), writer.writtenRecords(), writer.walSyncs(),
                writer.lastWalSyncAgeMillis(), writer.unsyncedRecords(), recoveredRecords, tornTailDropped);
    }

    @Override
    public CompletableFuture<Long> append(byte[] key, long originSequence, byte[] payload) {
        return append(key, originSequence, payload, false);
    }

    @Override
    public CompletableFuture<Long> appendSynced(byte[] key, long originSequence, byte[] payload) {
        return append(key, originSequence, payload, true);
    }

    private CompletableFuture<Long> append(byte[] key, long originSequence, byte[] payload, boolean forcesSync) {
        checkKey(key, "key");
        if (originSequence < 0) {
            throw new IllegalArgumentException("originSequence must not be negative, got " + originSequence);
        }
        checkValue(payload, "payload");
        StorageException failure = writer.failure();
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        byte[] body = RecordFormat.encodeLogBody(key, originSequence, payload);
        CompletableFuture<Long> done = new CompletableFuture<>();
        synchronized (sequenceLock) {
            ensureOpen();
            long position = lastPosition + 1;
            byte[] positionKey = RecordFormat.positionKey(position);
            byte[] value = RecordFormat.seal(Kind.LOG_RECORD, positionKey, body);
            lastPosition = position;
            writer.submit(new PendingWrite(batch -> batch.put(logFamily, positionKey, value),
                    value.length, forcesSync, true, done, position));
        }
        return done;
    }

    @Override
    public CheckpointWriter beginCheckpoint() {
        long covered;
        synchronized (sequenceLock) {
            ensureOpen();
            if (checkpointOpen) {
                throw new IllegalStateException("a checkpoint is already open; commit or close it first");
            }
            checkpointOpen = true;
            covered = lastPosition;
        }
        return new RocksCheckpointWriter(covered);
    }

    @Override
    public void truncateLogThrough(long position) {
        if (position < 0 || position > checkpointPosition) {
            throw new IllegalArgumentException("position must be between 0 and the committed checkpoint position "
                    + checkpointPosition + ", got " + position);
        }
        synchronized (truncationLock) {
            if (position <= logTruncatedThroughPosition) {
                return;
            }
            withOpenDatabase(() -> {
                try (WriteBatch batch = new WriteBatch()) {
                    // The range delete and the new start marker land atomically, so recovery's gap check stays exact.
                    batch.deleteRange(logFamily, RecordFormat.positionKey(0), RecordFormat.positionKey(position + 1));
                    batch.put(systemFamily, LOG_START_KEY,
                            RecordFormat.seal(Kind.LOG_START, LOG_START_KEY, RecordFormat.encodeLong(position)));
                    database.write(unsyncedWrite, batch);
                } catch (RocksDBException e) {
                    throw translate(e, "log truncation through position " + position);
                }
            });
            logTruncatedThroughPosition = position;
        }
    }

    @Override
    public void forEachLogRecordAfter(long positionExclusive, Consumer<LogRecord> action) {
        if (positionExclusive < 0) {
            throw new IllegalArgumentException("positionExclusive must not be negative, got " + positionExclusive);
        }
        if (action == null) {
            throw new IllegalArgumentException("action must not be null");
        }
        if (positionExclusive == Long.MAX_VALUE) {
            return;
        }
        withOpenDatabase(() -> {
            try (RocksIterator iterator = database.newIterator(logFamily)) {
                for (iterator.seek(RecordFormat.positionKey(positionExclusive + 1)); iterator.isValid();
                        iterator.next()) {
                    long position = RecordFormat.decodePositionKey(iterator.key());
                    String location = "log record at position " + position;
                    byte[] body = RecordFormat.open(Kind.LOG_RECORD, iterator.key(), iterator.value(), location);
                    action.accept(RecordFormat.decodeLogBody(position, body, location));
                }
                checkIterator(iterator, "log column family");
            }
        });
    }

    @Override
    public CompletableFuture<Void> putMetadata(String name, byte[] value) {
        byte[] nameBytes = metadataName(name);
        checkValue(value, "value");
        byte[] sealed = RecordFormat.seal(Kind.REPLICATION_METADATA, nameBytes, value);
        return submitMetadata(batch -> batch.put(metadataFamily, nameBytes, sealed), sealed.length);
    }

    @Override
    public CompletableFuture<Void> deleteMetadata(String name) {
        byte[] nameBytes = metadataName(name);
        return submitMetadata(batch -> batch.delete(metadataFamily, nameBytes), nameBytes.length);
    }

    private CompletableFuture<Void> submitMetadata(LogWriter.BatchOperation operation, long bytes) {
        StorageException failure = writer.failure();
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        CompletableFuture<Long> done = new CompletableFuture<>();
        synchronized (sequenceLock) {
            ensureOpen();
            writer.submit(new PendingWrite(operation, bytes, false, false, done, 0));
        }
        return done.thenApply(ignored -> null);
    }

    @Override
    public Optional<byte[]> getMetadata(String name) {
        byte[] nameBytes = metadataName(name);
        String location = "replication metadata '" + name + "'";
        return withOpenDatabase(() -> {
            byte[] value = get(metadataFamily, nameBytes, location);
            return value == null ? Optional.<byte[]>empty()
                    : Optional.of(RecordFormat.open(Kind.REPLICATION_METADATA, nameBytes, value, location));
        });
    }

    @Override
    public void forEachMetadata(String namePrefix, BiConsumer<String, byte[]> action) {
        if (namePrefix == null) {
            throw new IllegalArgumentException("namePrefix must not be null");
        }
        if (action == null) {
            throw new IllegalArgumentException("action must not be null");
        }
        byte[] prefix = namePrefix.getBytes(StandardCharsets.UTF_8);
        withOpenDatabase(() -> {
            try (RocksIterator iterator = database.newIterator(metadataFamily)) {
                for (iterator.seek(prefix); iterator.isValid(); iterator.next()) {
                    byte[] key = iterator.key();
                    if (!startsWith(key, prefix)) {
                        break;
                    }
                    String name = new String(key, StandardCharsets.UTF_8);
                    action.accept(name, RecordFormat.open(Kind.REPLICATION_METADATA, key, iterator.value(),
                            "replication metadata '" + name + "'"));
                }
                checkIterator(iterator, "replication column family");
            }
        });
    }

    @Override
    public void close() {
        synchronized (sequenceLock) {
            if (closed) {
                return;
            }
            if (writer.isWriterThread()) {
                throw new IllegalStateException("close() must not be called from a completion callback, which runs "
                        + "on the storage writer thread");
            }
            closed = true;
            writer.stop();
        }
        lifecycle.writeLock().lock();
        try {
            try {
                // Syncs whatever everysec or no left unsynced, so a clean shutdown loses nothing.
                database.flushWal(true);
            } catch (RocksDBException e) {
                LOG.warn("Could not sync the write-ahead log while closing storage in {}", directory, e);
            }
            releaseNativeResources();
        } finally {
            lifecycle.writeLock().unlock();
        }
        LOG.info("Closed storage in {} at log position {}", directory, lastPosition);
    }

    private void releaseNativeResources() {
        for (ColumnFamilyHandle handle : handles) {
            handle.close();
        }
        try {
            database.closeE();
        } catch (RocksDBException e) {
            LOG.warn("RocksDB reported an error while closing storage in {}", directory, e);
        }
        unsyncedWrite.close();
        familyOptions.close();
        databaseOptions.close();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("storage in " + directory + " is closed");
        }
    }

    private void withOpenDatabase(Runnable action) {
        withOpenDatabase(() -> {
            action.run();
            return null;
        });
    }

    private <T> T withOpenDatabase(java.util.function.Supplier<T> action) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return action.get();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private byte[] get(ColumnFamilyHandle family, byte[] key, String location) {
        try {
            return database.get(family, key);
        } catch (RocksDBException e) {
            throw translate(e, location);
        }
    }

    private static void checkIterator(RocksIterator iterator, String location) {
        try {
            iterator.status();
        } catch (RocksDBException e) {
            throw translate(e, location);
        }
    }

    /** Turns a RocksDB error into the store's exceptions, keeping corruption distinguishable from I/O trouble. */
    static StorageException translate(RocksDBException e, String location) {
        Status status = e.getStatus();
        if (status != null && status.getCode() == Status.Code.Corruption) {
            return new CorruptStorageException(location, "RocksDB reports corruption: " + e.getMessage(), e);
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("lock")) {
            return new StorageException(location + " is in use by another process (RocksDB lock held): " + message,
                    e);
        }
        return new StorageException(location + ": RocksDB error: " + message, e);
    }

    private static void checkKey(byte[] key, String argumentName) {
        if (key == null) {
            throw new IllegalArgumentException(argumentName + " must not be null");
        }
        if (key.length > KEY_BYTES_MAX) {
            throw new IllegalArgumentException(argumentName + " must be at most " + KEY_BYTES_MAX + " bytes, got "
                    + key.length);
        }
    }

    private static void checkValue(byte[] value, String argumentName) {
        if (value == null) {
            throw new IllegalArgumentException(argumentName + " must not be null");
        }
        if (value.length > VALUE_BYTES_MAX) {
            throw new IllegalArgumentException(argumentName + " must be at most " + VALUE_BYTES_MAX
                    + " bytes, got " + value.length);
        }
    }

    private static byte[] metadataName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be null or empty");
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > METADATA_NAME_BYTES_MAX) {
            throw new IllegalArgumentException("name must be at most " + METADATA_NAME_BYTES_MAX
                    + " bytes of UTF-8, got " + bytes.length);
        }
        return bytes;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** A key for an error message: printable ASCII as text, anything else as hex, cut to a readable length. */
    static String preview(byte[] key) {
        boolean printable = true;
        for (byte b : key) {
            printable &= b >= 0x20 && b < 0x7f;
        }
        StringBuilder text = new StringBuilder();
        if (printable) {
            text.append('\'').append(new String(key, StandardCharsets.US_ASCII)).append('\'');
        } else {
            text.append("0x");
            for (byte b : key) {
                text.append(String.format("%02x", b));
            }
        }
        return text.length() > KEY_PREVIEW_CHARACTERS_MAX
                ? text.substring(0, KEY_PREVIEW_CHARACTERS_MAX) + "... (" + key.length + " bytes)" : text.toString();
    }

    /** Buffers states in a write batch and writes it directly (not through the write queue) when it fills. */
    private final class RocksCheckpointWriter implements CheckpointWriter {
        private final long coveredPosition;
        private final WriteBatch batch = new WriteBatch();
        private long batchBytes;
        private long statesWritten;
        private boolean finished;

        RocksCheckpointWriter(long coveredPosition) {
            this.coveredPosition = coveredPosition;
        }

        @Override
        public long coveredPosition() {
            return coveredPosition;
        }

        @Override
        public void putState(byte[] key, byte[] state) {
            checkKey(key, "key");
            checkValue(state, "state");
            ensureUnfinished();
            byte[] sealed = RecordFormat.seal(Kind.OBJECT_STATE, key, state);
            addToBatch(batchToFill -> batchToFill.put(stateFamily, key, sealed), key.length + sealed.length);
            statesWritten++;
        }

        @Override
        public void removeState(byte[] key) {
            checkKey(key, "key");
            ensureUnfinished();
            addToBatch(batchToFill -> batchToFill.delete(stateFamily, key), key.length);
        }

        private void addToBatch(LogWriter.BatchOperation operation, long bytes) {
            try {
                operation.addTo(batch);
            } catch (RocksDBException e) {
                throw translate(e, "checkpoint batch");
            }
            batchBytes += bytes;
            if (batchBytes >= CHECKPOINT_BATCH_BYTES_MAX) {
                writeBatch();
            }
        }

        private void writeBatch() {
            if (batch.count() == 0) {
                return;
            }
            withOpenDatabase(() -> {
                try {
                    // Unsynced on purpose: the manifest written by commit() is synced, and RocksDB's single
                    // write-ahead log makes that sync cover these earlier writes too.
                    database.write(unsyncedWrite, batch);
                } catch (RocksDBException e) {
                    throw translate(e, "checkpoint batch");
                }
            });
            batch.clear();
            batchBytes = 0;
        }

        @Override
        public CompletableFuture<Long> commit() {
            ensureUnfinished();
            writeBatch();
            finished = true;
            batch.close();
            byte[] manifest = RecordFormat.seal(Kind.CHECKPOINT_MANIFEST, MANIFEST_KEY,
                    RecordFormat.encodeLong(coveredPosition));
            CompletableFuture<Long> done = new CompletableFuture<>();
            StorageException failure = writer.failure();
            synchronized (sequenceLock) {
                checkpointOpen = false;
                if (failure != null) {
                    return CompletableFuture.failedFuture(failure);
                }
                ensureOpen();
                writer.submit(new PendingWrite(batchToFill -> batchToFill.put(systemFamily, MANIFEST_KEY, manifest),
                        manifest.length, true, false, done, coveredPosition));
            }
            long states = statesWritten;
            return done.thenApply(position -> {
                synchronized (truncationLock) {
                    checkpointPosition = Math.max(checkpointPosition, position);
                }
                LOG.info("Checkpoint committed in {}: {} states written, covers log position {}", directory,
                        states, position);
                return position;
            });
        }

        @Override
        public void close() {
            if (finished) {
                return;
            }
            finished = true;
            batch.close();
            synchronized (sequenceLock) {
                checkpointOpen = false;
            }
        }

        private void ensureUnfinished() {
            if (finished) {
                throw new IllegalStateException("this checkpoint was already committed or closed");
            }
        }
    }
}
