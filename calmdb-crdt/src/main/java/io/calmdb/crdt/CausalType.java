package io.calmdb.crdt;

/**
 * Describes a causal CRDT type that can be nested as the value of an {@link OrMap}: how to create an empty value
 * drawing dots from the map's shared context, and how to encode a value's store (the context is written once,
 * by the map). Obtain one from the value type, for example {@code OrSet.type(ValueCodec.STRING)},
 * {@code MvRegister.type(ValueCodec.BYTES)}, {@code CausalCounter.type()}, {@code EnableWinsFlag.type()} or
 * {@code OrMap.type(keyCodec, valueType)}.
 */
public interface CausalType<V extends Crdt<V>> {
    CrdtType crdtType();

    /** A new empty, complete value that draws its dots from {@code sharedContext}. */
    V empty(CausalContext sharedContext);

    /** Writes the store of {@code value} (not its context). */
    void writeStore(ByteWriter out, V value);

    /**
     * Reads a store written by {@link #writeStore}, checking that every dot lies in {@code context}.
     *
     * @param depth how many maps enclose this value, checked against {@link CodecLimits#NESTING_DEPTH_MAX}
     */
    V readStore(ByteReader in, CausalContext context, boolean partial, int depth) throws CodecException;
}
