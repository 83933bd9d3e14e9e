package io.calmdb.replication.keyspace;

/**
 * The layout of a generated ID ({@code ID.NEXT}, {@code ID.BATCH}): a positive 64-bit integer made, as Twitter's
 * Snowflake makes its IDs, of the time it was issued, the issuing region and a sequence within that millisecond.
 *
 * <pre>
 *   bit 63      : 0 (IDs are positive, so every client language reads them as signed integers unchanged)
 *   bits 62..22 : milliseconds since {@link #EPOCH_MILLIS} (2020-01-01T00:00:00Z), {@value #TIME_BITS} bits
 *   bits 21..12 : the region index, {@value #REGION_BITS} bits, so at most {@value #REGIONS_MAX} regions
 *   bits 11..0  : the sequence within the millisecond, {@value #SEQUENCE_BITS} bits, so {@value #SEQUENCES_PER_MILLI}
 *                 IDs per region per millisecond
 * </pre>
 *
 * Two regions never issue the same ID because their region bits differ; one region never issues the same ID twice
 * because its (milliseconds, sequence) pair strictly increases from one ID to the next, and the pair last issued is
 * durable (replicated state of the namespace key) before any reply carries an ID above it. The time field runs out
 * at {@link #TIME_MILLIS_MAX} past the epoch, in September 2089.
 *
 * <p>IDs sort by issue time to the millisecond across regions whose clocks agree; within one region they are strictly
 * increasing.
 */
public final class IdLayout {
    private IdLayout() {}

    /** The instant the time field counts from: 2020-01-01T00:00:00Z, in milliseconds since the Unix epoch. */
    public static final long EPOCH_MILLIS = 1_577_836_800_000L;
    public static final int TIME_BITS = 41;
    public static final int REGION_BITS = 10;
    public static final int SEQUENCE_BITS = 12;
    /** The most regions that can issue IDs: region indexes run from 0 to {@code REGIONS_MAX - 1}. */
    public static final int REGIONS_MAX = 1 << REGION_BITS;
    /** IDs one region can issue in one millisecond of its time field. */
    public static final int SEQUENCES_PER_MILLI = 1 << SEQUENCE_BITS;
    /** The largest time field: about 69.7 years after the epoch (2089-09-07T15:47:35.551Z). */
    public static final long TIME_MILLIS_MAX = (1L << TIME_BITS) - 1;
    /**
     * How far the time field may run ahead of the region's clock, in milliseconds. When a region uses up a
     * millisecond's {@link #SEQUENCES_PER_MILLI} IDs (or a batch does not fit in what is left of it), it moves on to
     * the next millisecond without waiting for the clock; beyond this lead it refuses with a retry error instead.
     */
    public static final long LEAD_MILLIS_MAX = 1_000;

    /** The ID with time field {@code millis}, region {@code region} and sequence {@code sequence}. */
    public static long compose(long millis, int region, int sequence) {
        if (millis < 0 || millis > TIME_MILLIS_MAX) {
            throw new IllegalArgumentException("millis must be in [0, " + TIME_MILLIS_MAX + "], got " + millis);
        }
        if (region < 0 || region >= REGIONS_MAX) {
            throw new IllegalArgumentException("region must be in [0, " + (REGIONS_MAX - 1) + "], got " + region);
        }
        if (sequence < 0 || sequence >= SEQUENCES_PER_MILLI) {
            throw new IllegalArgumentException("sequence must be in [0, " + (SEQUENCES_PER_MILLI - 1) + "], got "
                    + sequence);
        }
        return (millis << (REGION_BITS + SEQUENCE_BITS)) | ((long) region << SEQUENCE_BITS) | sequence;
    }

    /** The time field of {@code id}: milliseconds since {@link #EPOCH_MILLIS}. */
    public static long millisOf(long id) {
        return id >>> (REGION_BITS + SEQUENCE_BITS);
    }

    /** The region index of {@code id}. */
    public static int regionOf(long id) {
        return (int) ((id >>> SEQUENCE_BITS) & (REGIONS_MAX - 1));
    }

    /** The sequence of {@code id} within its millisecond. */
    public static int sequenceOf(long id) {
        return (int) (id & (SEQUENCES_PER_MILLI - 1));
    }
}
