package io.calmdb.server.storage;

/**
 * Receives the durable state while {@link NodeStorage#open} recovers: first every checkpointed object state, then
 * every write-ahead record after the checkpoint, in log order. Applying each record's delta to the state of its key
 * by merge rebuilds exactly the acknowledged state.
 *
 * <p>Checkpoints are fuzzy: a checkpointed state may already include some of the records that follow it. That is
 * safe only because merging a delta is idempotent, so the node must apply records by lattice join, never by replacing
 * a value. Calls arrive on the thread that called {@code open}.
 */
public interface RecoveryVisitor {
    /** Called once per checkpointed key with its encoded state, in unsigned byte order of the keys. */
    void checkpointState(byte[] key, byte[] state);

    /** Called once per write-ahead record after the checkpoint, in increasing position order. */
    void logRecord(LogRecord record);
}
