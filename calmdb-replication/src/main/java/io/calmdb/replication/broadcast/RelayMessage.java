package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.VersionVector;

/**
 * The wire messages of best-effort, reliable, FIFO and causal broadcast: a payload, and the acknowledgement that
 * stops its retransmission on one link.
 *
 * @param <P> the payload type
 */
public sealed interface RelayMessage<P> {
    /**
     * A broadcast payload. {@code dependencies} is what the origin had delivered when it broadcast (its vector
     * clock, including its own earlier broadcasts); it is empty for protocols that do not order deliveries.
     */
    record Data<P>(Dot id, VersionVector dependencies, P payload) implements RelayMessage<P> {
        public Data {
            Require.notNull(id, "id");
            Require.notNull(dependencies, "dependencies");
        }
    }

    /** The receiver has taken {@code id} into its care, so the sender may stop retransmitting it on this link. */
    record Ack<P>(Dot id) implements RelayMessage<P> {
        public Ack {
            Require.notNull(id, "id");
        }
    }
}
