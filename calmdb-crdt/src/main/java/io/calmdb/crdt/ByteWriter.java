package io.calmdb.crdt;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Appends the primitives of CalmDB's binary format to a growing buffer: single bytes, unsigned LEB128 varints,
 * zig-zag signed varints, and length-prefixed byte strings. Not thread-safe.
 */
public final class ByteWriter {
    private byte[] buffer;
    private int length;

    public ByteWriter() {
        this(64);
    }

    public ByteWriter(int initialCapacity) {
        Checks.argument(initialCapacity >= 0, "initialCapacity", "must be >= 0");
        buffer = new byte[Math.max(16, initialCapacity)];
    }

    public ByteWriter writeByte(int value) {
        ensure(1);
        buffer[length++] = (byte) value;
        return this;
    }

    /** Writes {@code value} as an unsigned varint: 7 bits per byte, high bit set on all but the last byte. */
    public ByteWriter writeVarLong(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            buffer[length++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buffer[length++] = (byte) value;
        return this;
    }

    public ByteWriter writeVarInt(int value) {
        Checks.argument(value >= 0, "value", "must be >= 0 for an unsigned varint", value);
        return writeVarLong(value);
    }

    /** Writes a signed value zig-zag encoded, so small negative numbers stay short. */
    public ByteWriter writeSignedVarLong(long value) {
        return writeVarLong((value << 1) ^ (value >> 63));
    }

    public ByteWriter writeRaw(byte[] bytes, int offset, int count) {
        ensure(count);
        System.arraycopy(bytes, offset, buffer, length, count);
        length += count;
        return this;
    }

    /** Writes a varint length followed by the bytes. */
    public ByteWriter writeBytes(byte[] bytes) {
        writeVarInt(bytes.length);
        return writeRaw(bytes, 0, bytes.length);
    }

    /** Writes a string as length-prefixed UTF-8. */
    public ByteWriter writeString(String value) {
        return writeBytes(value.getBytes(StandardCharsets.UTF_8));
    }

    public ByteWriter writeReplicaId(ReplicaId replica) {
        return writeString(replica.name());
    }

    public int length() {
        return length;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buffer, length);
    }

    private void ensure(int extra) {
        if (length + extra > buffer.length) {
            long wanted = Math.max((long) buffer.length * 2, (long) length + extra);
            Checks.argument(wanted <= Integer.MAX_VALUE - 8, "state", "is too large to encode in one array");
            buffer = Arrays.copyOf(buffer, (int) wanted);
        }
    }
}
