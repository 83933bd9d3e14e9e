package io.calmdb.server.transport;

import io.calmdb.crdt.ReplicaId;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A point-in-time view of the links with one peer, for {@code INFO}, the HTTP API and metrics. Counters are
 * monotonic for the life of the transport; the fields are read one by one, so they may be a few messages
 * apart from each other under load.
 *
 * @param peer                the peer
 * @param address             {@code host:port} this node dials
 * @param state               state of the outbound link (this node's traffic to the peer)
 * @param inboundUp           whether an authenticated inbound connection from the peer is open
 * @param writable            whether the outbound channel exists and Netty reports it writable; {@code false}
 *                            means its socket buffer is above the high water mark and queued messages wait
 * @param lastError           the most recent reason this node's outbound link to the peer failed or was
 *                            refused (including the peer's rejection text), if any
 * @param lastInboundError    the most recent reason an inbound connection claiming to be this peer was refused
 *                            or closed by this node, if any; kept apart so that the dialer's retries cannot
 *                            overwrite it
 * @param bytesSent           frame bytes (headers included) handed to the outbound socket
 * @param messagesSent        messages handed to the outbound socket
 * @param bytesReceived       frame bytes (headers included) read from the peer after its handshake
 * @param messagesReceived    messages delivered to the listener from this peer
 * @param queuedMessages      messages waiting to be written (including those held back by injected latency)
 * @param queuedBytes         bytes of the waiting messages
 * @param messagesRefused     {@link PeerTransport#send} calls refused for any reason: the queue was full, the
 *                            transport closed, or the message exceeded {@link TransportConfig#messageBytesMax()}
 * @param messagesOversized   those of {@code messagesRefused} whose message exceeded
 *                            {@link TransportConfig#messageBytesMax()}; a caller that retries such a message
 *                            will never succeed, so this counter growing is a bug or a misconfiguration
 * @param lastRefusal         why the most recent {@link PeerTransport#send} to this peer was refused, if any;
 *                            refusals are logged at most once every ten seconds per peer, with the count
 *                            since the previous log line, so a caller retrying a refused message cannot
 *                            flood the log
 * @param connectAttempts     outbound connection attempts so far
 * @param oneWayLatency       the injected one-way latency in force
 * @param directionsSteadyFor how long both directions have kept their current up/down state (outbound up means
 *                            {@link LinkState#UP}, inbound up means {@code inboundUp}); for a link that is
 *                            {@link #oneWay()}, how long it has been one-way
 */
public record LinkSnapshot(
        ReplicaId peer,
        String address,
        LinkState state,
        boolean inboundUp,
        boolean writable,
        Optional<String> lastError,
        Optional<String> lastInboundError,
        long bytesSent,
        long messagesSent,
        long bytesReceived,
        long messagesReceived,
        long queuedMessages,
        long queuedBytes,
        long messagesRefused,
        long messagesOversized,
        Optional<String> lastRefusal,
        long connectAttempts,
        Duration oneWayLatency,
        Duration directionsSteadyFor) {

    public LinkSnapshot {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(lastInboundError, "lastInboundError");
        Objects.requireNonNull(lastRefusal, "lastRefusal");
        Objects.requireNonNull(oneWayLatency, "oneWayLatency");
        Objects.requireNonNull(directionsSteadyFor, "directionsSteadyFor");
    }

    /**
     * What the two directions of a link amount to. A link is {@link #ONE_WAY} when exactly one direction is up:
     * the node still serves and both sides still accept writes, but writes cross in one direction only, so the
     * replicas drift apart until it is repaired. A wrong address in one node's peer list, or a firewall that
     * lets only one side dial, leaves a link in this state indefinitely.
     */
    public enum Directions {
        /** Both directions are up. */
        UP("up"),
        /** Exactly one direction is up. */
        ONE_WAY("one-way"),
        /** Neither direction is up (the peer is down, unreachable or refuses this node). */
        DOWN("down"),
        /** Cut administratively by {@link PeerTransport#partition}. */
        PARTITIONED("partitioned"),
        /** The transport is closed. */
        CLOSED("closed");

        private final String label;

        Directions(String label) {
            this.label = label;
        }

        /** The lower-case name shown by {@code INFO} and the HTTP API. */
        public String label() {
            return label;
        }
    }

    /** Whether this node's outbound link to the peer is up (its writes reach the peer). */
    public boolean outboundUp() {
        return state == LinkState.UP;
    }

    /** Whether exactly one direction is up; see {@link Directions#ONE_WAY}. */
    public boolean oneWay() {
        return directions() == Directions.ONE_WAY;
    }

    /** The two directions taken together. */
    public Directions directions() {
        if (state == LinkState.CLOSED) {
            return Directions.CLOSED;
        }
        if (state == LinkState.PARTITIONED) {
            return Directions.PARTITIONED;
        }
        if (outboundUp() && inboundUp) {
            return Directions.UP;
        }
        return outboundUp() || inboundUp ? Directions.ONE_WAY : Directions.DOWN;
    }
}
