package io.calmdb.server.storage;

/**
 * A storage operation failed for an operating reason: the disk is full, RocksDB reported an I/O error, the data
 * directory cannot be used, or the store was already closed. It is unchecked because the node cannot recover from it
 * locally; it stops serving writes and reports the message.
 */
public class StorageException extends RuntimeException {
    /** Creates an exception with a message meant for the operator. */
    public StorageException(String message) {
        super(message);
    }

    /** Creates an exception with a message meant for the operator and the underlying cause. */
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
