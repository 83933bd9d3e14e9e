package io.calmdb.crdt;

/**
 * Thrown when a remote hybrid-logical-clock timestamp lies further ahead of local physical time than
 * {@link HybridLogicalClock#maxForwardDriftMillis()} allows. Accepting it would drag this replica's clock (and
 * every last-writer-wins decision it makes) into the future, so the message carrying it must be rejected.
 */
public final class ClockDriftException extends RuntimeException {
    private final long driftMillis;
    private final long maxForwardDriftMillis;

    public ClockDriftException(long driftMillis, long maxForwardDriftMillis) {
        super("remote timestamp is " + driftMillis + " ms ahead of local physical time; the bound "
                + "maxForwardDriftMillis is " + maxForwardDriftMillis + " ms");
        this.driftMillis = driftMillis;
        this.maxForwardDriftMillis = maxForwardDriftMillis;
    }

    public long driftMillis() {
        return driftMillis;
    }

    public long maxForwardDriftMillis() {
        return maxForwardDriftMillis;
    }
}
