package io.calmdb.crdt;

/**
 * The framed binary form of a CRDT state: one byte of format version ({@link CodecLimits#FORMAT_VERSION}), one
 * byte of {@link CrdtType} tag, then the type's body. Each type publishes its body codec as a static
 * {@code codec()} method, for example {@code GCounter.codec()} or {@code OrSet.codec(ValueCodec.STRING)}.
 */
public final class Codecs {
    private Codecs() {}

    public static <T> byte[] encode(StateCodec<T> codec, T state) {
        Checks.notNull(state, "state");
        ByteWriter out = new ByteWriter();
        out.writeByte(CodecLimits.FORMAT_VERSION);
        out.writeByte(codec.type().tag());
        codec.write(out, state);
        return out.toByteArray();
    }

    /**
     * Decodes a framed state.
     *
     * @throws CodecException when the bytes are not exactly one well-formed state of the codec's type
     */
    public static <T> T decode(StateCodec<T> codec, byte[] bytes) throws CodecException {
        Checks.notNull(bytes, "bytes");
        ByteReader in = new ByteReader(bytes);
        int version = in.readByte();
        if (version != CodecLimits.FORMAT_VERSION) {
            throw in.fail("unsupported format version " + version + ", this build reads version "
                    + CodecLimits.FORMAT_VERSION, 0);
        }
        int tag = in.readByte();
        if (tag != codec.type().tag()) {
            CrdtType actual = CrdtType.ofTag(tag);
            throw in.fail("expected a " + codec.type() + " but found " + (actual == null ? "unknown type tag " + tag : actual), 1);
        }
        T state = codec.read(in);
        in.expectEnd();
        return state;
    }

    /** Reads the type tag of a framed state without decoding it. */
    public static CrdtType peekType(byte[] bytes) throws CodecException {
        ByteReader in = new ByteReader(bytes);
        int version = in.readByte();
        if (version != CodecLimits.FORMAT_VERSION) {
            throw in.fail("unsupported format version " + version, 0);
        }
        int tag = in.readByte();
        CrdtType type = CrdtType.ofTag(tag);
        if (type == null) {
            throw in.fail("unknown type tag " + tag, 1);
        }
        return type;
    }
}
