package io.calmdb.server.transport;

import io.calmdb.crdt.ReplicaId;

/**
 * Receives what arrives from peers.
 *
 * <p><b>Threading.</b> Both methods run on one of the transport's Netty event-loop threads (named
 * {@code calmdb-transport-<replica>-io-N}); messages from one peer always arrive on one thread at a time and in
 * the order the peer sent them. An implementation must return quickly and must not block: the intended
 * implementation hands the message to the node's own single-threaded executor. An exception thrown here is
 * logged and counted, and the link stays up, because one bad message must not cut replication.
 */
@FunctionalInterface
public interface TransportListener {
    /**
     * Called once per message received from {@code from}, in per-link FIFO order.
     *
     * @param from    the replica that sent the message, authenticated by the handshake of its connection
     * @param message the message bytes exactly as the peer passed them to {@link PeerTransport#send}; owned by
     *                the listener from now on
     */
    void onMessage(ReplicaId from, byte[] message);

    /**
     * Called when this node's outbound link to {@code peer} changes state; the default ignores it. A node can use
     * {@link LinkState#UP} to start anti-entropy with a peer that just came back.
     */
    default void onLinkStateChanged(ReplicaId peer, LinkState state) {
    }
}
