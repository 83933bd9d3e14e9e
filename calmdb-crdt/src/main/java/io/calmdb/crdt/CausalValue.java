package io.calmdb.crdt;

/**
 * The package-private contract of a causal CRDT: a dot store paired with a {@link CausalContext}, after
 * Almeida, Shoker and Baquero, "Delta State Replicated Data Types" (2018), section 6. Every causal type
 * ({@link OrSet}, {@link MvRegister}, {@link EnableWinsFlag}, {@link CausalCounter}, {@link OrMap}) implements
 * it, which is what lets an {@link OrMap} nest any of them: the nested values share the map's context, so
 * removing a key removes exactly the dots the remover had observed inside the value, and concurrent updates
 * the remover had not seen survive.
 *
 * <p>A state is either <em>complete</em> (an ordinary replica state: anything its context covers that its store
 * lacks has been removed) or <em>partial</em> (a delta produced by a mutator: its context covers only dots of
 * the entries its store lists, possibly with empty dot sets). The flag only lets a join skip entries the other
 * side could not affect; the result is the causal join either way.
 */
interface CausalValue<T extends CausalValue<T>> {
    /** The context this value's dots are drawn from; shared with the enclosing map when nested. */
    CausalContext context();

    boolean isPartial();

    /** True when the store holds no dot (and, for a partial value, lists no entry). */
    boolean isBottom();

    /**
     * Joins {@code other}'s store into this store given both sides' contexts, which it reads but never changes:
     * a dot survives when both stores hold it, or when one holds it and the other's context has not seen it.
     * Afterwards this value is partial only if both were.
     */
    void joinStore(T other, CausalContext thisContext, CausalContext otherContext);

    /** Adds every dot in this store to {@code into}: the context of a delta that removes this value. */
    void collectDots(CausalContext into);

    /** A deep copy of the store that draws its dots from {@code context}. */
    T copyWith(CausalContext context);
}
