package io.calmdb.crdt;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An immutable byte string with value equality and unsigned lexicographic order: the element and value type
 * for binary-safe data such as Redis strings, where {@code byte[]} would compare by identity.
 */
public final class Bytes implements Comparable<Bytes> {
    private final byte[] bytes;
    private int hash;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Copies {@code bytes}; later changes to the array do not affect the result. */
    public static Bytes copyOf(byte[] bytes) {
        return new Bytes(bytes.clone());
    }

    /** Takes ownership of {@code bytes} without copying; the caller must not change the array afterwards. */
    static Bytes wrap(byte[] bytes) {
        return new Bytes(bytes);
    }

    public static Bytes ofUtf8(String text) {
        return new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    public int length() {
        return bytes.length;
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    public String toUtf8() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    byte[] unsafeArray() {
        return bytes;
    }

    @Override
    public int compareTo(Bytes other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(bytes);
            hash = h;
        }
        return h;
    }

    /** True when this byte string begins with {@code prefix} (the keyspace's reserved keys are told apart by it). */
    public boolean startsWith(byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    @Override
    public String toString() {
        return toUtf8();
    }
}
