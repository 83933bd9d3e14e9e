package io.calmdb.crdt;

/**
 * A hybrid logical clock reading: physical milliseconds plus a logical counter that orders events within the
 * same millisecond (Kulkarni et al., "Logical Physical Clocks", 2014). Timestamps order by physical time, then
 * logical counter. They carry no replica id: a register breaks ties between equal timestamps by writer id.
 */
public record HlcTimestamp(long physicalMillis, int logical) implements Comparable<HlcTimestamp> {
    /** The timestamp below every real reading. */
    public static final HlcTimestamp ZERO = new HlcTimestamp(0, 0);

    public HlcTimestamp {
        Checks.argument(physicalMillis >= 0, "physicalMillis", "must be >= 0", physicalMillis);
        Checks.argument(logical >= 0, "logical", "must be >= 0", logical);
    }

    @Override
    public int compareTo(HlcTimestamp other) {
        int byPhysical = Long.compare(physicalMillis, other.physicalMillis);
        return byPhysical != 0 ? byPhysical : Integer.compare(logical, other.logical);
    }

    @Override
    public String toString() {
        return physicalMillis + "." + logical;
    }
}
