package io.calmdb.server.storage;

import java.util.concurrent.CompletableFuture;

/**
 * Writes object states for one checkpoint, in bounded batches, from a thread of the node's choosing. A checkpoint
 * lets recovery start from states instead of replaying every record, and lets the node delete old records with
 * {@link NodeStorage#truncateLogThrough(long)}.
 *
 * <p>States are stored per key and overwrite that key's previous state, so a checkpoint may be incremental: it must
 * write every key that has a record above the previous checkpoint's covered position, and it may skip the others,
 * whose stored state is still current. A checkpoint abandoned or cut short by a crash leaves newer states than the
 * committed checkpoint says; recovery still replays every record after the committed position onto them, which is
 * harmless because deltas merge idempotently.
 *
 * <p>Not thread-safe: one thread uses a writer from {@link NodeStorage#beginCheckpoint()} to {@link #commit()} or
 * {@link #close()}. Appends on other threads continue meanwhile.
 */
public interface CheckpointWriter extends AutoCloseable {
    /**
     * The log position this checkpoint covers, fixed when it began: every state written must include the effect of
     * every record for its key at or below this position.
     */
    long coveredPosition();

    /**
     * Stores the encoded state of one object. Bytes are buffered and written in batches of at most
     * {@link NodeStorage#CHECKPOINT_BATCH_BYTES_MAX}; the arrays may be reused by the caller once this returns.
     *
     * @throws IllegalArgumentException if the key or the state is null or longer than the store accepts
     * @throws IllegalStateException if this writer was committed or closed
     */
    void putState(byte[] key, byte[] state);

    /**
     * Removes the stored state of one object. Only call it when the object is equivalent to absent (its state is the
     * bottom of its lattice), because records after the checkpoint are replayed onto nothing for this key.
     */
    void removeState(byte[] key);

    /**
     * Writes what is buffered and then durably records that the store's states cover {@link #coveredPosition()}. The
     * marker is synced whatever the fsync policy, and with it every earlier write. The future completes with the
     * covered position once recovery would start from it; from then on, records up to it may be truncated.
     */
    CompletableFuture<Long> commit();

    /** Abandons the checkpoint if it was not committed; states already written stay and are harmless. Idempotent. */
    @Override
    void close();
}
