package io.calmdb.replication.core;

import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.Objects;

/**
 * The settings of one {@link ReplicaCore}.
 *
 * @param self                      this replica
 * @param peers                     every other replica of the cluster (this replica excluded)
 * @param retransmitPeriodMillis    how long the causal stream waits for an acknowledgement before resending
 * @param holdBackMessagesMax       the causal stream's hold-back bound, in messages
 * @param antiEntropyIntervalMillis how often a digest goes to every peer
 * @param chunkBytesMax             the largest state-transfer chunk, in encoded bytes (one larger key forms its own)
 * @param waitersMax                the most {@code WAIT} commands blocked at once
 * @param checkpointIntervalMillis  how often the keys changed since the last checkpoint are checkpointed
 * @param checkpointKeysPerTick     how many key states one tick writes to a checkpoint under way, so a large
 *                                  checkpoint never holds the driver's thread for long
 */
public record ReplicaCoreConfig(ReplicaId self, List<ReplicaId> peers, long retransmitPeriodMillis,
        int holdBackMessagesMax, long antiEntropyIntervalMillis, int chunkBytesMax, int waitersMax,
        long checkpointIntervalMillis, int checkpointKeysPerTick) {
    /** Default {@link #retransmitPeriodMillis()}. */
    public static final long RETRANSMIT_PERIOD_MILLIS_DEFAULT = 200;
    /** Default {@link #holdBackMessagesMax()}. */
    public static final int HOLD_BACK_MESSAGES_MAX_DEFAULT = 65_536;
    /** Default {@link #chunkBytesMax()}: 256 KiB. */
    public static final int CHUNK_BYTES_MAX_DEFAULT = 256 * 1024;
    /** Default {@link #waitersMax()}. */
    public static final int WAITERS_MAX_DEFAULT = 10_000;
    /** Default {@link #checkpointKeysPerTick()}. */
    public static final int CHECKPOINT_KEYS_PER_TICK_DEFAULT = 1_000;

    public ReplicaCoreConfig {
        Objects.requireNonNull(self, "self");
        peers = List.copyOf(Objects.requireNonNull(peers, "peers"));
        if (peers.contains(self)) {
            throw new IllegalArgumentException("peers must not contain self (" + self + "), got " + peers);
        }
        if (retransmitPeriodMillis <= 0) {
            throw new IllegalArgumentException("retransmitPeriodMillis must be > 0, got " + retransmitPeriodMillis);
        }
        if (holdBackMessagesMax <= 0) {
            throw new IllegalArgumentException("holdBackMessagesMax must be > 0, got " + holdBackMessagesMax);
        }
        if (antiEntropyIntervalMillis <= 0) {
            throw new IllegalArgumentException("antiEntropyIntervalMillis must be > 0, got " + antiEntropyIntervalMillis);
        }
        if (chunkBytesMax <= 0) {
            throw new IllegalArgumentException("chunkBytesMax must be > 0, got " + chunkBytesMax);
        }
        if (waitersMax < 0) {
            throw new IllegalArgumentException("waitersMax must be >= 0, got " + waitersMax);
        }
        if (checkpointIntervalMillis <= 0) {
            throw new IllegalArgumentException("checkpointIntervalMillis must be > 0, got " + checkpointIntervalMillis);
        }
        if (checkpointKeysPerTick <= 0) {
            throw new IllegalArgumentException("checkpointKeysPerTick must be > 0, got " + checkpointKeysPerTick);
        }
    }

    /** The defaults for everything but the replica, its peers and the two intervals. */
    public static ReplicaCoreConfig of(ReplicaId self, List<ReplicaId> peers, long antiEntropyIntervalMillis,
            long checkpointIntervalMillis) {
        return new ReplicaCoreConfig(self, peers, RETRANSMIT_PERIOD_MILLIS_DEFAULT, HOLD_BACK_MESSAGES_MAX_DEFAULT,
                antiEntropyIntervalMillis, CHUNK_BYTES_MAX_DEFAULT, WAITERS_MAX_DEFAULT, checkpointIntervalMillis,
                CHECKPOINT_KEYS_PER_TICK_DEFAULT);
    }
}
