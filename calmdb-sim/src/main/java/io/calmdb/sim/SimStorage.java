package io.calmdb.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A node's simulated disk: an append-only log whose records survive a crash only once flushed. This is the one
 * place where the simulator models what a real server must get right, write-ahead and fsync: a record appended but
 * not yet flushed when the node crashes is gone after restart.
 *
 * @param <R> the record type
 */
public final class SimStorage<R> {
    /** Records one node may hold, flushed or not. */
    public static final int RECORDS_MAX = 10_000_000;

    private final List<R> durable = new ArrayList<>();
    private final List<R> unflushed = new ArrayList<>();
    private long lostInCrashes;

    /** An empty disk. */
    public SimStorage() {}

    /** Appends {@code record}; it is lost by a crash until {@link #flush()}. */
    public void append(R record) {
        Require.state(durable.size() + unflushed.size() < RECORDS_MAX, "at most " + RECORDS_MAX + " records");
        unflushed.add(Require.notNull(record, "record"));
    }

    /** Makes every appended record durable. */
    public void flush() {
        durable.addAll(unflushed);
        unflushed.clear();
    }

    /** The node crashed: unflushed records are lost. Returns how many. */
    public int crash() {
        int count = unflushed.size();
        lostInCrashes += count;
        unflushed.clear();
        return count;
    }

    /** The durable records, in append order. */
    public List<R> durable() {
        return Collections.unmodifiableList(durable);
    }

    /** Records appended but not flushed. */
    public int unflushedCount() {
        return unflushed.size();
    }

    /** Records lost by all crashes so far. */
    public long lostInCrashes() {
        return lostInCrashes;
    }
}
