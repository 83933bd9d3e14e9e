package io.calmdb.crdt;

import java.util.Comparator;

/**
 * Encodes the plain values a CRDT holds (set elements, map keys, register values) and orders them, so that
 * encoders can write collections in one deterministic order and equal states encode to equal bytes.
 *
 * @param <V> the value type; it must have value equality ({@code equals}/{@code hashCode})
 */
public interface ValueCodec<V> extends Comparator<V> {
    void write(ByteWriter out, V value);

    V read(ByteReader in) throws CodecException;

    /** UTF-8 strings, ordered by {@link String#compareTo}. */
    ValueCodec<String> STRING = new ValueCodec<>() {
        @Override
        public void write(ByteWriter out, String value) {
            out.writeString(value);
        }

        @Override
        public String read(ByteReader in) throws CodecException {
            return in.readString(CodecLimits.VALUE_BYTES_MAX, "string value");
        }

        @Override
        public int compare(String a, String b) {
            return a.compareTo(b);
        }
    };

    /** Binary-safe byte strings, ordered unsigned-lexicographically. */
    ValueCodec<Bytes> BYTES = new ValueCodec<>() {
        @Override
        public void write(ByteWriter out, Bytes value) {
            out.writeBytes(value.unsafeArray());
        }

        @Override
        public Bytes read(ByteReader in) throws CodecException {
            return Bytes.wrap(in.readBytes(CodecLimits.VALUE_BYTES_MAX, "byte-string value"));
        }

        @Override
        public int compare(Bytes a, Bytes b) {
            return a.compareTo(b);
        }
    };

    /** Signed 64-bit integers, zig-zag varint encoded. */
    ValueCodec<Long> LONG = new ValueCodec<>() {
        @Override
        public void write(ByteWriter out, Long value) {
            out.writeSignedVarLong(value);
        }

        @Override
        public Long read(ByteReader in) throws CodecException {
            return in.readSignedVarLong();
        }

        @Override
        public int compare(Long a, Long b) {
            return Long.compare(a, b);
        }
    };
}
