package io.calmdb.replication.keyspace;

/** The Redis type of a key, as {@code TYPE} reports it. A key's kind is fixed by its first write. */
public enum Kind {
    STRING(1, "string"),
    SET(2, "set"),
    HASH(3, "hash"),
    /** A bounded counter ({@code BC.*}, issue 8). */
    BOUNDED_COUNTER(4, "bounded-counter"),
    /** An ID namespace ({@code ID.*}, issue 8). */
    ID_NAMESPACE(5, "id-namespace");

    private final long code;
    private final String redisName;

    Kind(long code, String redisName) {
        this.code = code;
        this.redisName = redisName;
    }

    long code() {
        return code;
    }

    /** The name {@code TYPE} replies with. */
    public String redisName() {
        return redisName;
    }

    static Kind ofCode(long code) {
        for (Kind kind : values()) {
            if (kind.code == code) {
                return kind;
            }
        }
        return null;
    }
}
