package io.calmdb.replication.claim;

import io.calmdb.crdt.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a client asks the authority of a name to decide. Every kind is decided at the authority alone, against the
 * authority's own state and clock:
 *
 * <ul>
 *   <li>{@link Kind#CLAIM}: {@code owner} takes {@code name} in {@code namespace} unless another owner holds it;
 *       {@code leaseMillis} (0: none) makes the hold end by itself that long after the decision.
 *   <li>{@link Kind#RELEASE}: {@code owner} gives {@code name} up; only the current owner can.
 *   <li>{@link Kind#SET_IF_ABSENT}: {@code SET key value NX}: {@code name} is the key, {@code owner} the value;
 *       the key's deadline is {@code leaseMillis} after the decision or the absolute {@code deadlineMillis} (0: none).
 *   <li>{@link Kind#HASH_SET_IF_ABSENT}: {@code HSETNX key field value}: {@code fields} holds the field.
 *   <li>{@link Kind#SET_MANY_IF_ABSENT}: {@code MSETNX}: {@code fields} holds key, value, key, value...; every key
 *       must have the same authority; {@code name} is the first key.
 * </ul>
 *
 * @param kind           what is asked
 * @param namespace      the namespace of a {@code CLAIM} or {@code RELEASE}; {@link #KEY_NAMESPACE} for key claims
 * @param name           the claimed name (a key for the key claims); its hash slot chooses the authority
 * @param owner          the claimant (a key claim's value)
 * @param leaseMillis    how long the hold lasts after the decision, 0 for no lease
 * @param deadlineMillis an absolute deadline on the authority's clock for a key claim, 0 for none
 * @param fields         the extra arguments of the hash and multi-key claims, empty otherwise
 */
public record ClaimRequest(Kind kind, Bytes namespace, Bytes name, Bytes owner, long leaseMillis, long deadlineMillis,
        List<Bytes> fields) {
    /** The namespace of claims made by {@code SET NX}, {@code SETNX}, {@code MSETNX} and {@code HSETNX}. */
    public static final Bytes KEY_NAMESPACE = Bytes.ofUtf8("key");
    /** The longest namespace, in bytes. */
    public static final int NAMESPACE_BYTES_MAX = 1024;
    /** The most keys one {@code MSETNX} claims. */
    public static final int KEYS_MAX = 1024;

    /** What is asked; the code is the wire form. */
    public enum Kind {
        CLAIM(1), RELEASE(2), SET_IF_ABSENT(3), HASH_SET_IF_ABSENT(4), SET_MANY_IF_ABSENT(5);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        /** The kind with wire code {@code code}, or null. */
        public static Kind ofCode(int code) {
            for (Kind kind : values()) {
                if (kind.code == code) {
                    return kind;
                }
            }
            return null;
        }
    }

    public ClaimRequest {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(owner, "owner");
        fields = List.copyOf(fields);
        if (namespace.length() > NAMESPACE_BYTES_MAX) {
            throw new IllegalArgumentException("namespace must be at most " + NAMESPACE_BYTES_MAX + " bytes, got "
                    + namespace.length());
        }
        if (leaseMillis < 0 || deadlineMillis < 0) {
            throw new IllegalArgumentException("leaseMillis and deadlineMillis must be >= 0, got " + leaseMillis
                    + " and " + deadlineMillis);
        }
        int expected = switch (kind) {
            case HASH_SET_IF_ABSENT -> 1;
            case SET_MANY_IF_ABSENT -> -1;
            default -> 0;
        };
        if (expected >= 0 && fields.size() != expected) {
            throw new IllegalArgumentException(kind + " takes " + expected + " fields, got " + fields.size());
        }
        if (kind == Kind.SET_MANY_IF_ABSENT && (fields.isEmpty() || fields.size() % 2 != 0
                || fields.size() > 2 * KEYS_MAX || !fields.get(0).equals(name))) {
            throw new IllegalArgumentException("SET_MANY_IF_ABSENT takes 1 to " + KEYS_MAX + " key-value pairs, the "
                    + "first key being the name; got " + fields.size() + " fields");
        }
        if (kind != Kind.CLAIM && kind != Kind.RELEASE && !namespace.equals(KEY_NAMESPACE)) {
            throw new IllegalArgumentException(kind + " belongs to namespace " + KEY_NAMESPACE + ", not " + namespace);
        }
    }

    /** {@code CLAIM namespace name owner [LEASE leaseMillis]}. */
    public static ClaimRequest claim(Bytes namespace, Bytes name, Bytes owner, long leaseMillis) {
        return new ClaimRequest(Kind.CLAIM, namespace, name, owner, leaseMillis, 0, List.of());
    }

    /** {@code CLAIM.RELEASE namespace name owner}. */
    public static ClaimRequest release(Bytes namespace, Bytes name, Bytes owner) {
        return new ClaimRequest(Kind.RELEASE, namespace, name, owner, 0, 0, List.of());
    }

    /** {@code SET key value NX [PX leaseMillis | PXAT deadlineMillis]}. */
    public static ClaimRequest setIfAbsent(Bytes key, Bytes value, long leaseMillis, long deadlineMillis) {
        return new ClaimRequest(Kind.SET_IF_ABSENT, KEY_NAMESPACE, key, value, leaseMillis, deadlineMillis, List.of());
    }

    /** {@code HSETNX key field value}. */
    public static ClaimRequest hashSetIfAbsent(Bytes key, Bytes field, Bytes value) {
        return new ClaimRequest(Kind.HASH_SET_IF_ABSENT, KEY_NAMESPACE, key, value, 0, 0, List.of(field));
    }

    /** {@code MSETNX key value [key value ...]}, in the order given. */
    public static ClaimRequest setManyIfAbsent(Map<Bytes, Bytes> pairs) {
        List<Bytes> fields = new ArrayList<>();
        pairs.forEach((key, value) -> {
            fields.add(key);
            fields.add(value);
        });
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("MSETNX needs at least one key");
        }
        return new ClaimRequest(Kind.SET_MANY_IF_ABSENT, KEY_NAMESPACE, fields.get(0), Bytes.ofUtf8(""), 0, 0, fields);
    }

    /** The keys a key claim writes (empty for CLAIM and RELEASE). */
    public List<Bytes> keys() {
        return switch (kind) {
            case CLAIM, RELEASE -> List.of();
            case SET_IF_ABSENT, HASH_SET_IF_ABSENT -> List.of(name);
            case SET_MANY_IF_ABSENT -> {
                List<Bytes> keys = new ArrayList<>();
                for (int i = 0; i < fields.size(); i += 2) {
                    keys.add(fields.get(i));
                }
                yield keys;
            }
        };
    }
}
