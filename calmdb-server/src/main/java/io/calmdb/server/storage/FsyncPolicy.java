package io.calmdb.server.storage;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a write counts as durable, and therefore when its completion fires. The names and promises are those of Redis's
 * {@code appendfsync} setting, so that a Redis user chooses the same trade-off here. The node reports the policy in
 * force in {@code INFO}, because it decides what an acknowledgement promises.
 *
 * <p>Under every policy one writer thread drains the bounded write queue and writes whatever it found as one RocksDB
 * write batch, and the records that survive a crash form a prefix of the order in which they were appended: the
 * store never keeps a later record while losing an earlier one.
 */
public enum FsyncPolicy {
    /**
     * Durable before the reply, group-committed: the writer thread writes each drained group with one sync and only
     * then acknowledges all of it. An acknowledged write survives a process crash, {@code kill -9}, a kernel crash and a
     * power loss. Every acknowledgement waits for one sync, whose cost is shared by every write that queued up while
     * the previous sync ran.
     */
    ALWAYS,
    /**
     * The default. Acknowledged once written to the write-ahead log without a sync (the data is then in the operating
     * system's page cache); the storage's own thread syncs the log about once a second. An acknowledged write survives
     * a process crash and {@code kill -9}; a power loss or kernel crash may lose about the last second of writes (one
     * sync interval plus the duration of one sync).
     */
    EVERYSEC,
    /**
     * Acknowledged once written to the write-ahead log; the store never syncs on its own and leaves flushing to the
     * operating system (Redis's {@code appendfsync no}). Survives a process crash and {@code kill -9}; a power loss
     * may lose whatever the kernel had not yet written back, typically up to about thirty seconds on Linux.
     */
    NO;

    private static final Logger LOG = LoggerFactory.getLogger(FsyncPolicy.class);

    /** The lower-case name used in configuration files and in {@code INFO}: {@code always}, {@code everysec}, {@code no}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The accepted configuration names, for messages. */
    public static final String CONFIG_NAMES = "always, everysec or no";

    /**
     * Parses a configuration value, ignoring case and surrounding blanks. The names of earlier releases are accepted
     * with a warning so that an existing configuration file keeps its guarantee: {@code batch} was group commit with a
     * sync and is {@link #ALWAYS}; {@code never} was a write without a sync and is {@link #NO}.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code configName} is none of them
     */
    public static FsyncPolicy fromConfigName(String configName) {
        if (configName == null) {
            throw new IllegalArgumentException("configName must not be null; expected " + CONFIG_NAMES);
        }
        String normalised = configName.trim().toLowerCase(Locale.ROOT);
        for (FsyncPolicy policy : values()) {
            if (policy.configName().equals(normalised)) {
                return policy;
            }
        }
        FsyncPolicy renamed = switch (normalised) {
            case "batch" -> ALWAYS;
            case "never" -> NO;
            default -> null;
        };
        if (renamed != null) {
            LOG.warn("fsync policy '{}' was renamed to '{}', which gives the same guarantee; please update the "
                    + "configuration (accepted names: {})", normalised, renamed.configName(), CONFIG_NAMES);
            return renamed;
        }
        throw new IllegalArgumentException("configName must be " + CONFIG_NAMES + ", got '" + configName + "'");
    }
}
