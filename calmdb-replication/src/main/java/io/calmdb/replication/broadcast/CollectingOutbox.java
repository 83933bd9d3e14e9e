package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An {@link Outbox} that records effects in lists, for drivers that execute them after the call returns and for
 * tests that inspect them. The driver empties it with {@link #clear()} after each step, so it never holds more than
 * one input's effects; each protocol bounds those by its own batch limits.
 *
 * @param <M> the wire message type
 * @param <P> the payload type
 */
public final class CollectingOutbox<M, P> implements Outbox<M, P> {
    /** A message to send. */
    public record Send<M>(ReplicaId to, M message) {}

    /** A payload delivered to the application. */
    public record Delivery<P>(Dot id, P payload) {}

    private final List<Send<M>> sends = new ArrayList<>();
    private final List<Delivery<P>> deliveries = new ArrayList<>();
    private final List<Long> wakeUps = new ArrayList<>();

    /** An empty outbox. */
    public CollectingOutbox() {}

    @Override
    public void send(ReplicaId to, M message) {
        sends.add(new Send<>(Require.notNull(to, "to"), Require.notNull(message, "message")));
    }

    @Override
    public void deliver(Dot id, P payload) {
        deliveries.add(new Delivery<>(Require.notNull(id, "id"), payload));
    }

    @Override
    public void wakeAt(long atMillis) {
        wakeUps.add(atMillis);
    }

    /** The sends recorded since the last {@link #clear()}, in order. */
    public List<Send<M>> sends() {
        return Collections.unmodifiableList(sends);
    }

    /** The deliveries recorded since the last {@link #clear()}, in order. */
    public List<Delivery<P>> deliveries() {
        return Collections.unmodifiableList(deliveries);
    }

    /** The wake-up times recorded since the last {@link #clear()}, in order. */
    public List<Long> wakeUps() {
        return Collections.unmodifiableList(wakeUps);
    }

    /** Forgets everything recorded. */
    public void clear() {
        sends.clear();
        deliveries.clear();
        wakeUps.clear();
    }
}
