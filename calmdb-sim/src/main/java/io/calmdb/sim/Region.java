package io.calmdb.sim;

/**
 * The three regions of the lessons' coordination-tax example, with round trips between them. Virginia to Tokyo
 * (180 ms) and Virginia to Frankfurt (40 ms, "a user in Frankfurt gets a response in 40 milliseconds") are the
 * seed lesson's figures; the seed gives none for Frankfurt to Tokyo, so 230 ms, a typical public-cloud figure, is
 * used. Inside a region a round trip takes {@link #INTRA_REGION_ROUND_TRIP_MILLIS}.
 */
public enum Region {
    VIRGINIA,
    FRANKFURT,
    TOKYO;

    /** A round trip between two nodes of the same region. */
    public static final long INTRA_REGION_ROUND_TRIP_MILLIS = 2;

    private static final long[][] ROUND_TRIP_MILLIS = {
        // Virginia, Frankfurt, Tokyo
        {INTRA_REGION_ROUND_TRIP_MILLIS, 40, 180},
        {40, INTRA_REGION_ROUND_TRIP_MILLIS, 230},
        {180, 230, INTRA_REGION_ROUND_TRIP_MILLIS},
    };

    /** The round trip between this region and {@code other}, in milliseconds. */
    public long roundTripMillis(Region other) {
        return ROUND_TRIP_MILLIS[ordinal()][Require.notNull(other, "other").ordinal()];
    }

    /** A display name: "Virginia". */
    public String displayName() {
        String name = name();
        return name.charAt(0) + name.substring(1).toLowerCase(java.util.Locale.ROOT);
    }
}
