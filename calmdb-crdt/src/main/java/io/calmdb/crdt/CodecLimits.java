package io.calmdb.crdt;

/**
 * The named bounds every decoder enforces on untrusted input. Besides these, a count is never accepted when the
 * remaining input could not hold that many items, so a decoder allocates at most a small constant factor of
 * the bytes it was handed.
 */
public final class CodecLimits {
    private CodecLimits() {}

    /** The only format version this build writes and reads. */
    public static final int FORMAT_VERSION = 1;
    /** Largest single value or element, in bytes: 512 MiB, Redis's own string limit. */
    public static final int VALUE_BYTES_MAX = 512 * 1024 * 1024;
    /** Most entries in one collection (set elements, map keys, register values, counter slots). */
    public static final int COLLECTION_SIZE_MAX = 64 * 1024 * 1024;
    /** Most distinct replicas named in one state. */
    public static final int REPLICAS_MAX = 32_767;
    /** Deepest nesting of maps inside maps. */
    public static final int NESTING_DEPTH_MAX = 16;
}
