package io.calmdb.crdt.laws;

/**
 * The properties {@link LawChecker} verifies. Together they are what makes a delta-state CRDT safe to replicate
 * over a network that delays, duplicates and reorders: the lattice laws make delivery order and repetition
 * irrelevant, the delta laws make shipping a small delta as good as shipping the whole state, and the oracle law
 * says the replicas converge to the <em>intended</em> value, not merely to the same one.
 */
public enum Law {
    /** {@code a.copy().merge(b)} equals {@code b.copy().merge(a)}: the order in which two states meet is irrelevant. */
    MERGE_COMMUTATIVE("merge is commutative"),
    /** {@code (a ⊔ b) ⊔ c} equals {@code a ⊔ (b ⊔ c)}: how deliveries are grouped is irrelevant. */
    MERGE_ASSOCIATIVE("merge is associative"),
    /** {@code a.copy().merge(a)} equals {@code a}: a duplicated delivery changes nothing. */
    MERGE_IDEMPOTENT("merge is idempotent"),
    /** {@code a.merge(b)} returns {@code a} itself, as the {@link io.calmdb.crdt.Crdt#merge} contract promises. */
    MERGE_RETURNS_RECEIVER("merge joins in place and returns the receiver"),
    /** Merging {@code b} into another state leaves {@code b} equal to what it was. */
    MERGE_LEAVES_ARGUMENT_UNCHANGED("merge leaves its argument unchanged"),
    /** A {@link io.calmdb.crdt.Crdt#copy()} does not change when the original is mutated afterwards. */
    COPY_IS_INDEPENDENT("copy is independent of the original"),
    /** A delta keeps its value while the state that produced it goes on changing, so it can be shipped later. */
    DELTA_IS_INDEPENDENT("a delta is independent of the state that produced it"),
    /**
     * Merging a mutator's delta into the state as it was before the mutation gives the state after it; a refused
     * operation leaves the state unchanged.
     */
    DELTA_EQUALS_MUTATION("applying a mutator's delta equals applying the mutation"),
    /** Decoding an encoded state gives an equal state, and encoding that again gives the same bytes. */
    CODEC_ROUND_TRIP("decode(encode(s)) equals s and re-encodes to the same bytes"),
    /** Equal states encode to identical bytes, so digests and stored copies can be compared byte for byte. */
    IDENTICAL_BYTES("equal states encode to identical bytes"),
    /** Equal states have equal hash codes, so states can be used as keys and compared by digest. */
    HASH_CODE_MATCHES_EQUALS("equal states have equal hash codes"),
    /** Once every delta has reached every replica, all replicas hold equal states with equal values. */
    CONVERGENCE("replicas that received the same deltas converge"),
    /** The converged value equals the model's sequential oracle evaluated over the whole operation history. */
    ORACLE("the converged value equals the oracle's"),
    /** No operation, merge, copy, equality test or codec call throws (a model may assert its invariants here). */
    NO_EXCEPTION("no operation, merge or codec call throws");

    private final String description;

    Law(String description) {
        this.description = description;
    }

    /** One line saying what the law demands, used in failure reports. */
    public String description() {
        return description;
    }
}
