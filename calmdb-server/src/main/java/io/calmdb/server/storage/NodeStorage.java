package io.calmdb.server.storage;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The durable copy of one replica's keyspace: a write-ahead log of deltas, checkpointed object states, and named
 * replication metadata blobs, kept in RocksDB.
 *
 * <p>The node keeps its keyspace in memory and treats this store as its durable copy. A client write is acknowledged
 * only after its delta's record completes {@link #append}; the write's cost is proportional to the delta, never to
 * the object. From time to time the node checkpoints object states so that recovery does not replay the whole
 * history, and truncates the records a checkpoint covers. On start, {@link #open} replays the latest states and the
 * records after them into a {@link RecoveryVisitor}, verifying every checksum, before it returns a handle: a node
 * cannot serve from a store it has not recovered and checked.
 *
 * <p>The interface speaks bytes only, so the node maps its own types onto it and a layout that keeps objects in
 * RocksDB element by element can replace this one later without changing callers.
 *
 * <p>Thread-safe: any thread may append, put metadata, read or close. Completions fire on the storage writer thread
 * under every policy; callers must not block in them.
 */
public interface NodeStorage extends AutoCloseable {
    /** The longest key accepted, in bytes. Redis's limit is far larger; CalmDB's front doors enforce this one. */
    int KEY_BYTES_MAX = 64 * 1024;

    /** The longest record payload, object state or metadata blob accepted, in bytes. */
    int VALUE_BYTES_MAX = 64 * 1024 * 1024;

    /**
     * How many writes may wait for the writer thread. When the queue is full, {@link #append} blocks its caller until
     * there is room: that is how a slow disk pushes back on clients instead of growing memory without bound.
     */
    int WRITE_QUEUE_RECORDS_MAX = 16 * 1024;

    /** The most writes the writer thread commits as one RocksDB write batch (and, under {@code always}, one sync). */
    int GROUP_COMMIT_RECORDS_MAX = 1024;

    /**
     * The most payload bytes the writer thread commits as one write batch; a group closes once it reaches this size,
     * so one huge write cannot make a group unboundedly large (a single write larger than this forms its own group).
     */
    int GROUP_COMMIT_BYTES_MAX = 4 * 1024 * 1024;

    /** The most state bytes a {@link CheckpointWriter} buffers before it writes them as one batch. */
    int CHECKPOINT_BATCH_BYTES_MAX = 4 * 1024 * 1024;

    /** The longest metadata name accepted, in UTF-8 bytes. */
    int METADATA_NAME_BYTES_MAX = 1024;

    /**
     * Opens (creating if absent) the RocksDB-backed store in {@code options.dataDirectory()}, checks its identity and
     * every record's checksum, and replays the durable state into {@code visitor} before returning.
     *
     * @throws CorruptStorageException if any record fails its checksum or length checks, the format marker is missing
     *     or garbled, or the log has a gap; the message names where and what
     * @throws IncompatibleStorageException if the directory belongs to another cluster or replica, or was written by a
     *     storage format version this build does not read
     * @throws StorageException if the directory cannot be used (not empty and not CalmDB storage, locked by another
     *     process, I/O error)
     * @throws IllegalArgumentException if an argument is null
     */
    static NodeStorage open(StorageOptions options, RecoveryVisitor visitor) {
        return RocksNodeStorage.open(options, visitor);
    }

    /** The fsync policy in force, fixed at open; {@code INFO} reports it. */
    FsyncPolicy fsyncPolicy();

    /** Counters for {@code INFO} and metrics. */
    StorageStatus status();

    /**
     * Appends the encoded delta of one write. The store assigns the next log position at once, so positions follow
     * call order; the future completes with that position once the record is durable per {@link #fsyncPolicy()},
     * and futures complete in position order. If the write fails, the future fails with a {@link StorageException}
     * and the store refuses all later writes, because a hole in the log would break recovery.
     *
     * <p>Blocks while {@value #WRITE_QUEUE_RECORDS_MAX} writes are already waiting (back-pressure).
     *
     * @param key the key the delta applies to, at most {@value #KEY_BYTES_MAX} bytes (may be empty, as in Redis)
     * @param originSequence the origin sequence number to store with it, not negative
     * @param payload the encoded delta, at most {@link #VALUE_BYTES_MAX} bytes
     * @throws IllegalArgumentException naming the argument when one is null, too long or negative
     * @throws IllegalStateException if the store is closed
     */
    CompletableFuture<Long> append(byte[] key, long originSequence, byte[] payload);

    /**
     * {@link #append}, with the record's group synced to stable storage before the future completes, whatever
     * {@link #fsyncPolicy()} says: a claim authority's decision must survive a power loss once anyone has heard it.
     * Futures still complete in position order, so every earlier record is synced by then too.
     */
    CompletableFuture<Long> appendSynced(byte[] key, long originSequence, byte[] payload);

    /**
     * Starts a checkpoint that covers every record appended before this call. The caller must make sure that each
     * state it then writes includes those records (states may include later records too).
     *
     * @throws IllegalStateException if another checkpoint is open or the store is closed
     */
    CheckpointWriter beginCheckpoint();

    /**
     * Deletes every record at or below {@code position}, for example once a checkpoint covers them and every peer
     * has received them. Records that peers still need must be kept: the store cannot know about peers.
     *
     * @throws IllegalArgumentException if {@code position} is above the latest committed checkpoint's covered
     *     position, since recovery would then lose those records' effects
     */
    void truncateLogThrough(long position);

    /**
     * Visits every retained record with a position above {@code positionExclusive}, in order, verifying each
     * checksum; the node uses it to re-ship deltas a peer has not acknowledged. Visits a consistent snapshot taken
     * at the call.
     *
     * @throws CorruptStorageException if a visited record fails its checks
     */
    void forEachLogRecordAfter(long positionExclusive, Consumer<LogRecord> action);

    /**
     * Durably stores a small named blob, such as a version vector, a peer's acknowledged position or an undelivered
     * delta, replacing any previous value. It is ordered with appends and follows the same fsync policy: the future
     * completes once the value is durable, and from then on {@link #getMetadata} returns it (or a later value).
     *
     * @param name 1 to {@value #METADATA_NAME_BYTES_MAX} bytes of UTF-8
     * @param value at most {@link #VALUE_BYTES_MAX} bytes
     */
    CompletableFuture<Void> putMetadata(String name, byte[] value);

    /** Durably removes a named blob, with the same ordering and policy as {@link #putMetadata}. */
    CompletableFuture<Void> deleteMetadata(String name);

    /**
     * Reads a named blob, verifying its checksum.
     *
     * @throws CorruptStorageException if the stored value fails its checks
     */
    Optional<byte[]> getMetadata(String name);

    /**
     * Visits every blob whose name starts with {@code namePrefix} (the empty prefix visits all), in byte order of the
     * names, verifying checksums; the node lists, for example, all undelivered deltas after a restart this way.
     */
    void forEachMetadata(String namePrefix, BiConsumer<String, byte[]> action);

    /**
     * Stops accepting writes, completes every queued write (per the fsync policy), syncs the write-ahead log, stops
     * the writer thread and releases RocksDB. Idempotent. Writes attempted afterwards throw
     * {@link IllegalStateException}.
     */
    @Override
    void close();
}
