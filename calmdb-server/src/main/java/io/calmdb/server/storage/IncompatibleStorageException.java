package io.calmdb.server.storage;

/**
 * The data directory is intact but belongs to someone else: another cluster, another replica, or a storage format
 * version this build cannot read. Opening it anyway would mix two replicas' histories or misread the bytes, so the
 * node refuses to start and the message says which identity field differs.
 */
public final class IncompatibleStorageException extends StorageException {
    /** Creates an exception whose message names the expected and the found identity. */
    public IncompatibleStorageException(String message) {
        super(message);
    }
}
