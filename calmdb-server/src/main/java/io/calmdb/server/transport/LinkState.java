package io.calmdb.server.transport;

/**
 * The state of this node's outbound link to one peer, as shown by {@link PeerTransport#snapshot()}.
 *
 * <p>Only the outbound direction has a state machine, because this node dials every peer for its own traffic
 * (see {@link PeerTransport} for the topology); the inbound direction is reported as a plain
 * {@link LinkSnapshot#inboundUp()} flag.
 */
public enum LinkState {
    /** A TCP connection or its handshake is in progress. */
    CONNECTING,
    /** The handshake completed: queued messages are being written to the peer. */
    UP,
    /** The last attempt failed or the link broke; a reconnection is scheduled after a backoff delay. */
    DOWN,
    /** The link was cut by {@link PeerTransport#partition}: no connection in either direction until healed. */
    PARTITIONED,
    /** The transport was closed; the link never comes back. */
    CLOSED
}
