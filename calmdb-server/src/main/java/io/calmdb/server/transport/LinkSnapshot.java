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
        Duration oneWayLatency) {

    public LinkSnapshot {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(lastError, "lastError");
        Objects.requireNonNull(lastInboundError, "lastInboundError");
        Objects.requireNonNull(lastRefusal, "lastRefusal");
        Objects.requireNonNull(oneWayLatency, "oneWayLatency");
    }
}
