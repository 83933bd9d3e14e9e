package io.calmdb.crdt;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * Reads the primitives written by {@link ByteWriter} from untrusted bytes. Every read is bounds-checked and
 * fails with {@link CodecException}; every length or count is checked against both a named bound and the
 * bytes actually remaining before anything is allocated, so hostile input cannot make a decoder allocate more
 * than a constant factor of its own size or loop without consuming input.
 */
public final class ByteReader {
    private final byte[] bytes;
    private final int limit;
    private int position;

    public ByteReader(byte[] bytes) {
        this(bytes, 0, bytes.length);
    }

    public ByteReader(byte[] bytes, int offset, int length) {
        Checks.notNull(bytes, "bytes");
        Checks.argument(offset >= 0 && length >= 0 && offset + length <= bytes.length, "offset/length",
                "must lie within the array");
        this.bytes = bytes;
        this.position = offset;
        this.limit = offset + length;
    }

    public int position() {
        return position;
    }

    public int remaining() {
        return limit - position;
    }

    public int readByte() throws CodecException {
        if (position >= limit) {
            throw fail("unexpected end of input");
        }
        return bytes[position++] & 0xFF;
    }

    /** Reads an unsigned varint of at most 10 bytes; rejects overlong and non-canonical encodings. */
    public long readVarLong() throws CodecException {
        long result = 0;
        int start = position;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            if (shift == 63 && (b & 0xFE) != 0) {
                throw fail("varint overflows 64 bits", start);
            }
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (b == 0 && shift > 0) {
                    throw fail("non-canonical varint (trailing zero byte)", start);
                }
                return result;
            }
        }
        throw fail("varint longer than 10 bytes", start);
    }

    public long readSignedVarLong() throws CodecException {
        long raw = readVarLong();
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** Reads an unsigned varint and checks it lies in {@code [min, max]}; {@code what} names it in the error. */
    public long readVarLong(long min, long max, String what) throws CodecException {
        int start = position;
        long value = readVarLong();
        if (value < min || value > max) {
            throw fail(what + " " + Long.toUnsignedString(value) + " is outside [" + min + ", " + max + "]", start);
        }
        return value;
    }

    /**
     * Reads a count of items that follow, each at least {@code minBytesEach} bytes long, and checks it against
     * {@code max} (a named bound) and against the bytes remaining.
     */
    public int readCount(int max, int minBytesEach, String what) throws CodecException {
        int start = position;
        long count = readVarLong();
        // Compare unsigned: a varint above Long.MAX_VALUE reads as a negative long and must fail the bound too.
        if (Long.compareUnsigned(count, max) > 0) {
            throw fail(what + " count " + Long.toUnsignedString(count) + " exceeds the bound " + max, start);
        }
        if (count * Math.max(1, minBytesEach) > remaining()) {
            throw fail(what + " count " + count + " needs more bytes than the " + remaining() + " remaining", start);
        }
        return (int) count;
    }

    /** Reads a length-prefixed byte string of at most {@code maxLength} bytes. */
    public byte[] readBytes(int maxLength, String what) throws CodecException {
        int start = position;
        long length = readVarLong();
        if (Long.compareUnsigned(length, maxLength) > 0) {
            throw fail(what + " length " + Long.toUnsignedString(length) + " exceeds the bound " + maxLength, start);
        }
        if (length > remaining()) {
            throw fail(what + " length " + length + " exceeds the " + remaining() + " bytes remaining", start);
        }
        byte[] out = new byte[(int) length];
        System.arraycopy(bytes, position, out, 0, out.length);
        position += out.length;
        return out;
    }

    /** Reads length-prefixed UTF-8, rejecting malformed sequences. */
    public String readString(int maxLength, String what) throws CodecException {
        int start = position;
        byte[] raw = readBytes(maxLength, what);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw fail(what + " is not valid UTF-8", start);
        }
    }

    public ReplicaId readReplicaId() throws CodecException {
        int start = position;
        String name = readString(ReplicaId.NAME_LENGTH_MAX, "replica id");
        try {
            return new ReplicaId(name);
        } catch (IllegalArgumentException e) {
            throw fail("invalid replica id: " + e.getMessage(), start);
        }
    }

    /** Fails unless every byte was consumed. */
    public void expectEnd() throws CodecException {
        if (position != limit) {
            throw fail(remaining() + " trailing bytes after the encoded value");
        }
    }

    public CodecException fail(String message) {
        return fail(message, position);
    }

    public CodecException fail(String message, int at) {
        return new CodecException(message + " (at byte " + at + ")");
    }
}
