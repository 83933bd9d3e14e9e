package io.calmdb.crdt;

/**
 * Encodes one CRDT type's states and deltas. Obtain one from {@link Codecs}; use {@link Codecs#encode} and
 * {@link Codecs#decode} for the framed form (format version, type tag, body) that goes on disk or the wire.
 *
 * <p>Contract: equal states encode to equal bytes; {@code read(write(s))} equals {@code s}; {@code read} of any
 * byte sequence either returns a state satisfying the type's invariants or throws {@link CodecException}.
 */
public interface StateCodec<T> {
    CrdtType type();

    /** Writes the body of {@code state} (no header). */
    void write(ByteWriter out, T state);

    /** Reads a body written by {@link #write}. */
    T read(ByteReader in) throws CodecException;
}
