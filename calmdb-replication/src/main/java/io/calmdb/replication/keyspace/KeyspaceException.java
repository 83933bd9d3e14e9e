package io.calmdb.replication.keyspace;

/**
 * A command refused by the keyspace, carrying the error line a Redis client expects (the first word is the error
 * code, for example {@code WRONGTYPE} or {@code ERR}). Nothing was changed.
 */
public final class KeyspaceException extends Exception {
    public static final String WRONG_TYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public static final String NOT_AN_INTEGER = "ERR value is not an integer or out of range";
    public static final String OVERFLOW = "ERR increment or decrement would overflow";
    public static final String HASH_NOT_AN_INTEGER = "ERR hash value is not an integer";

    public KeyspaceException(String redisError) {
        super(redisError);
    }
}
