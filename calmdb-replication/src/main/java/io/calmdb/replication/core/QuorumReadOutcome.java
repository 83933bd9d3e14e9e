package io.calmdb.replication.core;

/**
 * How a quorum read ended ({@link ReplicaCore#quorumRead}): either {@code replicas} replicas (this one included)
 * answered and their states of the key are merged into the local replica, so the caller now runs its read command
 * locally; or it failed, and {@link #error()} says why in words a client can read. A failed read is never turned
 * into a local read.
 *
 * @param answered        how many replicas answered, this one included
 * @param replicas        how many answers the read asked for (its R)
 * @param error           null when the read succeeded, otherwise a message starting with {@code QUORUM}
 */
public record QuorumReadOutcome(int answered, int replicas, String error) {
    /** True when {@link #replicas()} replicas answered and the local replica holds their merge. */
    public boolean succeeded() {
        return error == null;
    }

    static QuorumReadOutcome success(int answered, int replicas) {
        return new QuorumReadOutcome(answered, replicas, null);
    }

    static QuorumReadOutcome timedOut(int answered, int replicas, long timeoutMillis) {
        return new QuorumReadOutcome(answered, replicas, "QUORUM timed out after " + timeoutMillis + " ms: " + answered
                + " of " + replicas + " replicas answered (this one included); the read was not served locally");
    }

    static QuorumReadOutcome failed(int answered, int replicas, String reason) {
        return new QuorumReadOutcome(answered, replicas, "QUORUM " + reason);
    }
}
