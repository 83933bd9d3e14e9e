package io.calmdb.crdt;

/**
 * The name of one replica (one region's copy of the keyspace, or one simulated node). Replica ids order
 * lexicographically, which makes every encoding that lists replicas deterministic and gives registers a
 * deterministic tie-break.
 *
 * <p>A name is 1 to {@value #NAME_LENGTH_MAX} characters of {@code [A-Za-z0-9._-]}; the restriction keeps
 * ids printable in logs, keys and URLs. Instances are immutable and safe to share between threads.
 */
public record ReplicaId(String name) implements Comparable<ReplicaId> {
    /** The longest replica name accepted, in characters (each one byte when encoded). */
    public static final int NAME_LENGTH_MAX = 64;

    public ReplicaId {
        Checks.notNull(name, "name");
        Checks.argument(!name.isEmpty() && name.length() <= NAME_LENGTH_MAX, "name",
                "must be 1 to " + NAME_LENGTH_MAX + " characters, got ", name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!allowed) {
                throw new IllegalArgumentException("name may hold only letters, digits, '.', '_' and '-', got '" + name + "'");
            }
        }
    }

    /** Static factory, the usual way to name a replica: {@code ReplicaId.of("tokyo")}. */
    public static ReplicaId of(String name) {
        return new ReplicaId(name);
    }

    @Override
    public int compareTo(ReplicaId other) {
        return name.compareTo(other.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
