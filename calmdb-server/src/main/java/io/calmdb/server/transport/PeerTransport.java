package io.calmdb.server.transport;

import io.calmdb.crdt.ReplicaId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;

/**
 * Carries opaque binary messages between the named replicas of one cluster: the real links that the sans-IO
 * replication protocols run over. It knows nothing of what the messages mean.
 *
 * <p><b>Topology.</b> Every node listens on one port and dials every configured peer. A node writes its own
 * messages for peer P only on the connection it dialed to P, and receives P's messages only on the connection
 * P dialed to it; so a pair of nodes holds two TCP connections, one per direction. This needs no tie-break
 * between simultaneous dials, lets each direction fail and recover on its own, and maps one-to-one onto the
 * asymmetric partitions the simulator already models.
 *
 * <p><b>Guarantees.</b> Messages on one link arrive in the order they were sent, each at most once, and intact
 * (TCP plus length-prefixed frames). A message is lost if its connection breaks after it was handed to the
 * socket; the replication protocols repair such losses with anti-entropy, which is why the transport does not
 * retransmit. Every peer connection starts with a handshake (magic, protocol version, cluster name, sender and
 * recipient replica ids) and is closed with a logged reason if anything does not match.
 *
 * <p><b>Size.</b> A message may be up to {@link TransportConfig#messageBytesMax()} bytes; one longer than a frame
 * ({@link TransportConfig#frameBytesMax()}) travels as consecutive fragment frames, and the receiver joins them,
 * holding at most one partial message per link, before its listener sees the message.
 *
 * <p><b>Back-pressure.</b> Each peer has an outbound queue bounded by {@link TransportConfig#queueMessagesMax()}
 * and {@link TransportConfig#queueBytesMax()}; {@link #send} refuses, and counts, a message that does not fit.
 * The queue drains into Netty only while the channel is writable, so a slow peer costs at most the queue
 * bound plus one high water mark of memory.
 *
 * <p><b>Thread-safety.</b> Every method may be called from any thread; none blocks except {@link #close()}.
 * The wire format is described in {@code docs/transport.md}.
 */
public interface PeerTransport extends AutoCloseable {

    /**
     * Binds the listening port, starts dialing every peer, and returns the running transport.
     *
     * @param config   identity, addresses and limits
     * @param listener receives inbound messages and link state changes, on event-loop threads
     * @throws java.io.UncheckedIOException if the listening address cannot be bound
     */
    static PeerTransport start(TransportConfig config, TransportListener listener) {
        return NettyPeerTransport.start(config, listener);
    }

    /** This node's replica id. */
    ReplicaId self();

    /** The bound listening address; its port is the real one even when port 0 was configured. */
    InetSocketAddress localAddress();

    /**
     * Queues {@code message} for {@code peer} and returns at once. The message is written when the link is up,
     * after the peer's injected latency, in FIFO order with the other messages to that peer. The transport
     * keeps a reference to the array: the caller must not modify it afterwards.
     *
     * A message longer than one frame ({@link TransportConfig#frameBytesMax()} minus the type byte) is written as
     * several consecutive frames and joined again by the peer before its listener sees it.
     *
     * @return {@code true} if queued; {@code false} if the peer's queue is full (by messages or bytes), the
     *         message is longer than {@link TransportConfig#messageBytesMax()}, or the transport is closed.
     *         Refusals are counted in {@link LinkSnapshot#messagesRefused()} (oversized ones also in
     *         {@link LinkSnapshot#messagesOversized()}), the latest reason is kept in
     *         {@link LinkSnapshot#lastRefusal()}, and they are logged at most once every ten seconds per peer
     * @throws IllegalArgumentException if {@code peer} is not a configured peer
     */
    boolean send(ReplicaId peer, byte[] message);

    /**
     * Whether a message to {@code peer} would be written now: the link is up and its channel is writable.
     * A producer can use it to hold back bulk traffic such as anti-entropy before the queue bound is reached.
     *
     * @throws IllegalArgumentException if {@code peer} is not a configured peer
     */
    boolean isWritable(ReplicaId peer);

    /**
     * Cuts the links to and from {@code peers}: closes their connections in both directions, refuses their
     * handshakes and stops reconnecting, until {@link #heal} names them. Takes effect when the call returns:
     * from then on nothing is written to them and nothing received from them is delivered. Messages sent to a
     * partitioned peer stay queued (within the bounds) and are written after healing, as over a real cut
     * network. Partitioning an already partitioned peer does nothing.
     *
     * @throws IllegalArgumentException if a peer is not configured
     */
    void partition(Set<ReplicaId> peers);

    /** Heals {@code peers}: accepts their handshakes again and dials them at once. Unpartitioned peers are ignored. */
    void heal(Set<ReplicaId> peers);

    /** Heals every partitioned peer. */
    void heal();

    /** The peers currently partitioned by {@link #partition}. */
    Set<ReplicaId> partitioned();

    /**
     * Changes the injected one-way latency to {@code peer}, for toggling the demo's WAN mode at run time. Queued
     * messages use the new latency, counted from when they were sent, so per-link order is kept.
     *
     * @throws IllegalArgumentException if {@code peer} is not configured or the latency is negative or above
     *                                  {@link PeerConfig#ONE_WAY_LATENCY_MAX}
     */
    void setOneWayLatency(ReplicaId peer, Duration latency);

    /** A consistent-enough view of every link, for INFO, HTTP and metrics. */
    TransportSnapshot snapshot();

    /**
     * Closes every connection, stops the event loops and waits for their threads to end (bounded by a few
     * seconds). Queued messages are discarded. Idempotent.
     */
    @Override
    void close();
}
