package io.calmdb.crdt.laws;

import io.calmdb.crdt.ReplicaId;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One accepted operation in a case's history, as an oracle sees it: its id (unique within the case, increasing in
 * issue order), the replica that issued it, the operation, and the ids of every earlier event whose effect had been
 * merged into that replica's state when it issued this one.
 *
 * <p>{@code causalPast} is the visibility relation of Burckhardt et al. ("Replicated data types: specification,
 * verification, optimality", POPL 2014) as the run really delivered deltas. The oracle is consulted only in cases
 * that deliver deltas in causal order, so there the relation is transitive: if this event saw {@code b} and
 * {@code b} saw {@code a}, this event saw {@code a}. Events the type refused are not in the history.
 *
 * @param id the event's id, from 1, increasing in the order operations were issued
 * @param replica the replica that issued the operation
 * @param operation the operation, as produced by {@link CrdtModel#randomOperation}
 * @param causalPast ids of the events visible to {@code replica} when it issued this one (never contains {@code id})
 * @param <O> the model's operation type
 */
public record Event<O>(int id, ReplicaId replica, O operation, Set<Integer> causalPast) {
    /** Validates the event and keeps {@code causalPast} as an immutable sorted copy. */
    public Event {
        Objects.requireNonNull(replica, "replica must not be null");
        Objects.requireNonNull(operation, "operation must not be null");
        Objects.requireNonNull(causalPast, "causalPast must not be null");
        if (id < 1) {
            throw new IllegalArgumentException("id must be >= 1, got " + id);
        }
        if (causalPast.contains(id)) {
            throw new IllegalArgumentException("causalPast must not contain the event's own id " + id);
        }
        SortedSet<Integer> sorted = new TreeSet<>(causalPast);
        causalPast = Collections.unmodifiableSortedSet(sorted);
    }

    /** True when {@code other}'s effect was visible to this event's replica when this event was issued. */
    public boolean hasSeen(Event<?> other) {
        return causalPast.contains(other.id);
    }

    /** True when neither event had seen the other: they were issued concurrently. */
    public boolean isConcurrentWith(Event<?> other) {
        return other.id != id && !hasSeen(other) && !other.hasSeen(this);
    }

    @Override
    public String toString() {
        return "#" + id + " at " + replica + ": " + operation + " (seen " + causalPast + ")";
    }
}
