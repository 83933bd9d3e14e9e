package io.calmdb.crdt;

/**
 * The type tag written after the format version in every encoded state. Tags are part of the on-disk and
 * on-wire format: never renumber one, only add.
 */
public enum CrdtType {
    G_COUNTER(1),
    PN_COUNTER(2),
    LWW_REGISTER(3),
    MV_REGISTER(4),
    ENABLE_WINS_FLAG(5),
    OR_SET(6),
    OR_MAP(7),
    BOUNDED_COUNTER(8),
    CAUSAL_COUNTER(9),
    /** A keyspace string: register plus counter (calmdb-replication's {@code StringValue}). */
    KEYSPACE_STRING(10),
    /** One key of the keyspace with its type tag and typed slots (calmdb-replication's {@code KeyValue}). */
    KEYSPACE_VALUE(11),
    /** A counter of exact decimal amounts ({@code INCRBYFLOAT}'s per-replica sums). */
    CAUSAL_DECIMAL_COUNTER(12);

    private final int tag;

    CrdtType(int tag) {
        this.tag = tag;
    }

    public int tag() {
        return tag;
    }

    /** The type with {@code tag}, or null when no type has it. */
    public static CrdtType ofTag(int tag) {
        for (CrdtType type : values()) {
            if (type.tag == tag) {
                return type;
            }
        }
        return null;
    }
}
