package io.calmdb.crdt;

/**
 * A state-based, delta-state CRDT: a join-semilattice whose join is {@link #merge}.
 *
 * <p>Every CalmDB type follows one shape. A mutator (for example {@code OrSet.add}) changes this state and
 * returns a <em>delta</em>: a small state of the same type holding just that change. Shipping the delta and
 * calling {@code remote.merge(delta)} gives the remote replica the change, and because merge is commutative,
 * associative and idempotent, deltas may arrive late, twice or out of order and replicas still converge.
 * The law kit in {@code io.calmdb.crdt.laws} checks those properties for any implementation.
 *
 * <p>States are mutable so that a million-element set can take one more element in constant time; a state is
 * therefore not thread-safe and belongs to one thread (a replica's writer, or the simulator). Use
 * {@link #copy()} to hand a snapshot elsewhere.
 *
 * @param <T> the implementing type, so merge takes only its own kind
 */
public interface Crdt<T extends Crdt<T>> {
    /**
     * Joins {@code other} into this state (the least upper bound of both) and returns this state. {@code other}
     * is not modified and is not retained: later changes to either do not leak into the other.
     */
    T merge(T other);

    /** An independent deep copy of this state. */
    T copy();
}
