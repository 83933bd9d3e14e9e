package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;

/**
 * Where a sans-IO protocol writes the effects of one input. The protocol never sends, delivers or sleeps by itself:
 * the driver (the simulator, or the server's network loop) passes an outbox to each call and then carries out what
 * was written, in order. Keeping effects as data is what lets one protocol object run unchanged under the
 * deterministic simulator and over real sockets.
 *
 * @param <M> the protocol's wire message type
 * @param <P> the payload type carried by broadcasts
 */
public interface Outbox<M, P> {
    /** Asks the driver to send {@code message} to peer {@code to}; the network may lose, delay or duplicate it. */
    void send(ReplicaId to, M message);

    /** Hands a broadcast payload to the application: the protocol's delivery event for message {@code id}. */
    void deliver(Dot id, P payload);

    /**
     * Asks the driver to call {@link BroadcastProtocol#tick} at virtual or real time {@code atMillis} or soon after.
     * A protocol may ask several times; every tick re-checks what is due, so an extra tick is harmless.
     */
    void wakeAt(long atMillis);
}
