package io.calmdb.server.embedded;

/**
 * A command the keyspace refused, such as incrementing a value that is not an integer. The message is the
 * Redis-style error line ({@code ERR ...}); nothing was changed by the refused command.
 */
public class CalmDbException extends RuntimeException {
    public CalmDbException(String message) {
        super(message);
    }
}
