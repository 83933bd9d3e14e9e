package io.calmdb.crdt;

/**
 * A hybrid logical clock (Kulkarni, Demirbas et al., 2014): timestamps that stay close to physical time yet
 * respect causality, so a write that saw another write always gets a larger timestamp even when clocks skew.
 *
 * <p>The clock never reads the wall clock itself: every call receives the caller's current physical time in
 * milliseconds, which keeps it usable inside the deterministic simulator. A remote timestamp more than
 * {@link #maxForwardDriftMillis()} ahead of local physical time is rejected with {@link ClockDriftException}
 * instead of being adopted.
 *
 * <p>Mutable and not thread-safe; a replica owns one clock and calls it from its single writer thread.
 */
public final class HybridLogicalClock {
    /** The default bound on how far ahead of local physical time a remote timestamp may be: 500 ms. */
    public static final long DEFAULT_MAX_FORWARD_DRIFT_MILLIS = 500;

    private final long maxForwardDriftMillis;
    private long lastPhysicalMillis;
    private int lastLogical;

    public HybridLogicalClock() {
        this(DEFAULT_MAX_FORWARD_DRIFT_MILLIS);
    }

    public HybridLogicalClock(long maxForwardDriftMillis) {
        Checks.argument(maxForwardDriftMillis >= 0, "maxForwardDriftMillis", "must be >= 0", maxForwardDriftMillis);
        this.maxForwardDriftMillis = maxForwardDriftMillis;
    }

    /** The timestamp for a local event (a write, or a message about to be sent) at physical time {@code nowMillis}. */
    public HlcTimestamp now(long nowMillis) {
        Checks.argument(nowMillis >= 0, "nowMillis", "must be >= 0", nowMillis);
        if (nowMillis > lastPhysicalMillis) {
            lastPhysicalMillis = nowMillis;
            lastLogical = 0;
        } else {
            lastLogical = nextLogical(lastLogical);
        }
        return new HlcTimestamp(lastPhysicalMillis, lastLogical);
    }

    /** Same as {@link #now}: the timestamp to stamp on an outgoing message. */
    public HlcTimestamp send(long nowMillis) {
        return now(nowMillis);
    }

    /**
     * Advances the clock past a timestamp received from another replica and returns the timestamp of the
     * receive event, which is greater than both the remote timestamp and every earlier local one.
     *
     * @throws ClockDriftException when {@code remote} is more than the drift bound ahead of {@code nowMillis};
     *     the clock is left unchanged
     */
    public HlcTimestamp receive(HlcTimestamp remote, long nowMillis) {
        Checks.notNull(remote, "remote");
        Checks.argument(nowMillis >= 0, "nowMillis", "must be >= 0", nowMillis);
        long drift = remote.physicalMillis() - nowMillis;
        if (drift > maxForwardDriftMillis) {
            throw new ClockDriftException(drift, maxForwardDriftMillis);
        }
        long physical = Math.max(Math.max(lastPhysicalMillis, remote.physicalMillis()), nowMillis);
        int logical;
        if (physical == lastPhysicalMillis && physical == remote.physicalMillis()) {
            logical = nextLogical(Math.max(lastLogical, remote.logical()));
        } else if (physical == lastPhysicalMillis) {
            logical = nextLogical(lastLogical);
        } else if (physical == remote.physicalMillis()) {
            logical = nextLogical(remote.logical());
        } else {
            logical = 0;
        }
        lastPhysicalMillis = physical;
        lastLogical = logical;
        return new HlcTimestamp(physical, logical);
    }

    /** The most recent timestamp this clock issued (or {@link HlcTimestamp#ZERO}). */
    public HlcTimestamp last() {
        return new HlcTimestamp(lastPhysicalMillis, lastLogical);
    }

    public long maxForwardDriftMillis() {
        return maxForwardDriftMillis;
    }

    private static int nextLogical(int logical) {
        // 2^31 events inside one millisecond cannot happen on real hardware; reaching it means a stuck clock.
        Checks.state(logical < Integer.MAX_VALUE, "hybrid logical counter overflowed within one millisecond");
        return logical + 1;
    }
}
