package io.calmdb.server.storage;

/**
 * The data directory holds bytes that fail a check: a checksum mismatch, a truncated record, a missing or garbled
 * format marker, or a gap in the write-ahead log. The node refuses to start rather than serve wrong data, so the
 * message names where the damage is and what is wrong, for the operator who must restore from a peer or a backup.
 */
public final class CorruptStorageException extends StorageException {
    private final String location;
    private final String problem;

    /**
     * @param location where the damage is, for example {@code "log record at position 42"}
     * @param problem what is wrong there, for example {@code "checksum mismatch"}
     */
    public CorruptStorageException(String location, String problem) {
        super("corrupt storage: " + location + ": " + problem);
        this.location = location;
        this.problem = problem;
    }

    /** Like {@link #CorruptStorageException(String, String)}, keeping the error RocksDB reported. */
    public CorruptStorageException(String location, String problem, Throwable cause) {
        super("corrupt storage: " + location + ": " + problem, cause);
        this.location = location;
        this.problem = problem;
    }

    /** Where the damage is: which column family, key or log position. */
    public String location() {
        return location;
    }

    /** What is wrong at {@link #location()}. */
    public String problem() {
        return problem;
    }
}
