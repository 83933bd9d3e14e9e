package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import java.util.SortedMap;

/**
 * One node's side of a broadcast protocol, as a state machine with no thread, socket, clock or hidden randomness.
 * Inputs are method calls carrying {@code nowMillis}; outputs go to the {@link Outbox} passed with each call.
 * Implementations are not thread-safe: one driver calls them from one thread (or one simulated event loop).
 *
 * <p>Every broadcast is named by a {@link Dot}: the origin replica and its own broadcast counter, so ids are unique
 * without coordination. A node delivers its own broadcast at once, inside {@link #broadcast}.
 *
 * @param <M> the wire message type
 * @param <P> the payload type
 */
public interface BroadcastProtocol<M, P> {
    /** The replica this protocol instance runs for. */
    ReplicaId self();

    /** Called once before any other input so the protocol can arm its first timers. */
    void start(long nowMillis, Outbox<M, P> out);

    /** A client asks this node to broadcast {@code payload}; returns the id given to it. */
    Dot broadcast(P payload, long nowMillis, Outbox<M, P> out);

    /** A message from peer {@code from} arrived. Messages may be duplicated, reordered or come from a stale peer. */
    void receive(ReplicaId from, M message, long nowMillis, Outbox<M, P> out);

    /** A timer asked for with {@link Outbox#wakeAt} fired (or the driver ticks anyway); do whatever is due. */
    void tick(long nowMillis, Outbox<M, P> out);

    /**
     * Sizes of the protocol's bounded buffers and counters of what it did, by name (for example
     * {@code holdBackMessages}). Observation only; names are listed on each implementation's factory.
     */
    SortedMap<String, Long> gauges();
}
