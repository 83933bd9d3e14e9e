package io.calmdb.sim.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A node's simulated log with the two tiers a real one has: records written (in the operating system's page cache,
 * surviving a process crash) and records synced (surviving a power loss too). Each tier is a prefix of the appends,
 * so a crash loses a suffix, as with a real write-ahead log.
 *
 * @param <R> the record type
 */
final class SimDisk<R> {
    /** Records one node may hold. */
    static final int RECORDS_MAX = 5_000_000;

    private final List<R> records = new ArrayList<>();
    private int written;
    private int synced;

    /** Appends a record that is neither written nor synced yet; returns its index. */
    int append(R record) {
        if (records.size() >= RECORDS_MAX) {
            throw new IllegalStateException("a simulated disk holds at most " + RECORDS_MAX + " records");
        }
        records.add(record);
        return records.size() - 1;
    }

    /** Everything appended so far is written (the write system call returned). */
    void write() {
        written = records.size();
    }

    /** Everything written so far is synced. */
    void sync() {
        synced = written;
    }

    /** Marks everything appended as written and synced. */
    void writeAndSync() {
        write();
        sync();
    }

    int appended() {
        return records.size();
    }

    int written() {
        return written;
    }

    /** A process crash: what was appended but not written is gone. */
    void crashProcess() {
        records.subList(written, records.size()).clear();
        synced = Math.min(synced, written);
    }

    /** A power loss: what was not synced is gone. */
    void losePower() {
        records.subList(synced, records.size()).clear();
        written = synced;
    }

    /** The surviving records, in append order. */
    List<R> records() {
        return Collections.unmodifiableList(records);
    }
}
