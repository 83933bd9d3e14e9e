package io.calmdb.server.storage;

import java.util.Locale;

/**
 * When a write counts as durable, and therefore when its completion fires. The node reports the policy in force in
 * {@code INFO}, because it decides what an acknowledgement promises.
 *
 * <p>Under every policy the records that survive a crash form a prefix of the order in which they were appended:
 * the store never keeps a later record while losing an earlier one.
 */
public enum FsyncPolicy {
    /**
     * Each write is synced to disk on its own before it is acknowledged: one fsync per record. An acknowledged write
     * survives a process crash and a power loss. Throughput is bounded by the disk's sync latency.
     */
    ALWAYS,
    /**
     * Group commit: one writer thread drains the bounded write queue, writes everything it found as one RocksDB write
     * batch with a single sync, and then acknowledges all of it. The guarantee per acknowledged write equals
     * {@link #ALWAYS}; the cost of one sync is shared by every write that queued up while the previous sync ran.
     */
    BATCH,
    /**
     * Each write goes to RocksDB's write-ahead log (the operating system's page cache) without a sync and is
     * acknowledged as soon as that write returns. An acknowledged write survives a crash of the process, but the
     * last moments of writes may be lost if the machine loses power or the kernel crashes.
     */
    NEVER;

    /** The lower-case name used in configuration files and in {@code INFO}: {@code always}, {@code batch}, {@code never}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a configuration value, ignoring case.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code configName} is none of them
     */
    public static FsyncPolicy fromConfigName(String configName) {
        if (configName == null) {
            throw new IllegalArgumentException("configName must not be null; expected always, batch or never");
        }
        for (FsyncPolicy policy : values()) {
            if (policy.configName().equals(configName.trim().toLowerCase(Locale.ROOT))) {
                return policy;
            }
        }
        throw new IllegalArgumentException("configName must be always, batch or never, got '" + configName + "'");
    }
}
