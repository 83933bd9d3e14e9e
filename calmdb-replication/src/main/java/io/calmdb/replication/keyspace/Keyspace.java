package io.calmdb.replication.keyspace;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.HlcTimestamp;
import io.calmdb.crdt.HybridLogicalClock;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.OrSet;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.StateCodec;
import io.calmdb.crdt.ValueCodec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One replica's keyspace: Redis-typed keys over causal CRDTs, answering every command from local state and
 * returning, for each write, the delta that the caller makes durable and replicates. Remote deltas enter through
 * {@link #apply}. The state is an {@link OrMap} from key to {@link KeyValue}, so deleting a key is an observed
 * remove and every write's delta lists only the keys it touched.
 *
 * <p>Sans-IO: the caller passes the current physical time (milliseconds) to writes that need a timestamp, and
 * decides what to do with deltas. Not thread-safe: one writer thread (or the simulator) owns a keyspace.
 */
public final class Keyspace {
    /** The codec of the keyspace state and of its deltas. */
    public static final StateCodec<OrMap<Bytes, KeyValue>> CODEC = OrMap.codec(ValueCodec.BYTES, KeyValue.type());

    /** What a write returns: the reply for the client and the delta to persist and ship (null when nothing changed). */
    public record Write<T>(T reply, OrMap<Bytes, KeyValue> delta) {}

    private final ReplicaId replica;
    private final HybridLogicalClock clock;
    private final OrMap<Bytes, KeyValue> state = new OrMap<>(KeyValue.type());
    private long clockDriftRejections;

    public Keyspace(ReplicaId replica) {
        this(replica, new HybridLogicalClock());
    }

    public Keyspace(ReplicaId replica, HybridLogicalClock clock) {
        this.replica = java.util.Objects.requireNonNull(replica, "replica");
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
    }

    public ReplicaId replica() {
        return replica;
    }

    /** The live state (for snapshots, anti-entropy and inspection). Change it only through this class. */
    public OrMap<Bytes, KeyValue> state() {
        return state;
    }

    /** Everything this replica has seen, as a causal context. */
    public CausalContext context() {
        return state.context();
    }

    /** Joins a delta or state received from another replica (or replayed from the log). */
    public void apply(OrMap<Bytes, KeyValue> delta) {
        state.merge(delta);
    }

    /**
     * Joins a delta from another region and advances this replica's hybrid logical clock past the newest write it
     * carries, so a later local write that has seen it always orders after it, whatever the clocks' skew. A
     * timestamp further ahead of {@code nowMillis} than the clock's drift bound is not adopted (the delta still
     * applies: refusing a replicated delta would break convergence); {@link #clockDriftRejections()} counts them.
     */
    public void applyRemote(OrMap<Bytes, KeyValue> delta, long nowMillis) {
        state.merge(delta);
        HlcTimestamp newest = null;
        for (Bytes key : delta.touchedKeys()) {
            KeyValue value = delta.get(key);
            if (value == null) {
                continue;
            }
            newest = later(newest, newestWrite(value.kindRegister()));
            newest = later(newest, newestWrite(value.string().register()));
            for (Bytes field : value.hash().keys()) {
                newest = later(newest, newestWrite(value.hash().get(field).register()));
            }
        }
        if (newest != null) {
            try {
                clock.receive(newest, nowMillis);
            } catch (io.calmdb.crdt.ClockDriftException drift) {
                clockDriftRejections++;
            }
        }
    }

    /** How many remote timestamps were too far ahead of local time to adopt. */
    public long clockDriftRejections() {
        return clockDriftRejections;
    }

    private static <V> HlcTimestamp newestWrite(io.calmdb.crdt.MvRegister<V> register) {
        HlcTimestamp newest = null;
        for (var write : register.writes()) {
            newest = later(newest, write.getValue().timestamp());
        }
        return newest;
    }

    private static HlcTimestamp later(HlcTimestamp a, HlcTimestamp b) {
        return a == null ? b : b == null ? a : a.compareTo(b) >= 0 ? a : b;
    }

    /** A self-contained partial state of one key (see {@link OrMap#extract}); null when the key is absent. */
    public OrMap<Bytes, KeyValue> extract(Bytes key) {
        return state.extract(key);
    }

    /** Restores a persisted context after the values it describes (recovery only; see {@link OrMap#restoreContext}). */
    public void restoreContext(CausalContext seen) {
        state.restoreContext(seen);
    }

    /** Advances the clock past a timestamp seen on a peer's message, so later local writes order after it. */
    public void observe(HlcTimestamp remote, long nowMillis) {
        clock.receive(remote, nowMillis);
    }

    // ------------------------------------------------------------------------------------------------------
    // Keys

    /** The key's visible kind, or null when absent. */
    public Kind type(Bytes key) {
        KeyValue value = lookup(key);
        return value == null ? null : value.kind();
    }

    public boolean exists(Bytes key) {
        return type(key) != null;
    }

    /** The number of keys present. */
    public int size() {
        int count = 0;
        for (Bytes key : state.keys()) {
            if (exists(key)) {
                count++;
            }
        }
        return count;
    }

    /** The keys matching {@code pattern}, in no particular order. */
    public List<Bytes> keys(GlobPattern pattern) {
        List<Bytes> matched = new ArrayList<>();
        for (Bytes key : state.keys()) {
            if (exists(key) && (pattern.matchesEverything() || pattern.matches(key.toByteArray()))) {
                matched.add(key);
            }
        }
        return matched;
    }

    /** Deletes each key present (an observed remove) and returns how many were. */
    public Write<Integer> delete(List<Bytes> keys) {
        OrMap<Bytes, KeyValue> delta = null;
        int deleted = 0;
        for (Bytes key : keys) {
            if (exists(key)) {
                deleted++;
            }
            if (state.get(key) != null) {
                delta = combine(delta, state.remove(key));
            }
        }
        return new Write<>(deleted, delta);
    }

    // ------------------------------------------------------------------------------------------------------
    // Strings and counters

    /** The string at {@code key}, empty when absent. */
    public Optional<Bytes> get(Bytes key) throws KeyspaceException {
        KeyValue value = lookup(key);
        if (value == null || value.kind() == null) {
            return Optional.empty();
        }
        requireKind(value, Kind.STRING);
        try {
            return value.string().value();
        } catch (ArithmeticException overflow) {
            throw new KeyspaceException(KeyspaceException.OVERFLOW);
        }
    }

    /**
     * The integer at {@code key} (0 when absent), read with the rules {@code INCRBY} applies to it: a value such as
     * {@code "+5"} or {@code "05"} is refused with {@link KeyspaceException#NOT_AN_INTEGER}, as Redis refuses it.
     */
    public long getInteger(Bytes key) throws KeyspaceException {
        KeyValue value = lookup(key);
        if (value == null || value.kind() == null) {
            return 0;
        }
        requireKind(value, Kind.STRING);
        return integerOf(value.string(), KeyspaceException.NOT_AN_INTEGER);
    }

    /** Like {@code MGET}: a string per key, empty for absent keys and keys of other kinds. */
    public List<Optional<Bytes>> getMany(List<Bytes> keys) {
        List<Optional<Bytes>> values = new ArrayList<>(keys.size());
        for (Bytes key : keys) {
            try {
                values.add(get(key));
            } catch (KeyspaceException wrongKind) {
                values.add(Optional.empty());
            }
        }
        return values;
    }

    /** Sets {@code key} to a string, replacing whatever this replica observed there, of any kind. */
    public Write<Void> set(Bytes key, Bytes value, long nowMillis) {
        HlcTimestamp timestamp = clock.now(nowMillis);
        OrMap<Bytes, KeyValue> delta = state.update(key, current -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            current.clearInto(builder);
            builder.kind(current.kindSlot().write(replica, Kind.STRING.code(), timestamp));
            builder.string(current.string().set(replica, value, timestamp));
            return builder.build();
        });
        return new Write<>(null, delta);
    }

    /** Sets several keys; one combined delta. */
    public Write<Void> setMany(Map<Bytes, Bytes> values, long nowMillis) {
        OrMap<Bytes, KeyValue> delta = null;
        for (Map.Entry<Bytes, Bytes> entry : values.entrySet()) {
            delta = combine(delta, set(entry.getKey(), entry.getValue(), nowMillis).delta());
        }
        return new Write<>(null, delta);
    }

    /** {@code GETSET}: sets the string and returns the previous one. */
    public Write<Optional<Bytes>> getAndSet(Bytes key, Bytes value, long nowMillis) throws KeyspaceException {
        Optional<Bytes> previous = get(key);
        return new Write<>(previous, set(key, value, nowMillis).delta());
    }

    /** {@code GETDEL}: returns the string and deletes the key. */
    public Write<Optional<Bytes>> getAndDelete(Bytes key) throws KeyspaceException {
        Optional<Bytes> previous = get(key);
        if (previous.isEmpty()) {
            return new Write<>(previous, null);
        }
        return new Write<>(previous, delete(List.of(key)).delta());
    }

    /**
     * {@code INCRBY}: adds {@code amount} to the integer at {@code key} (0 when absent) and returns the new value.
     * The increment commutes with concurrent increments elsewhere: it is a counter entry, not a rewrite.
     */
    public Write<Long> incrementBy(Bytes key, long amount, long nowMillis) throws KeyspaceException {
        KeyValue value = lookup(key);
        boolean creating = value == null || value.kind() == null;
        if (!creating) {
            requireKind(value, Kind.STRING);
        }
        long current = creating ? 0 : integerOf(value.string(), KeyspaceException.NOT_AN_INTEGER);
        long next;
        try {
            next = Math.addExact(current, amount);
        } catch (ArithmeticException overflow) {
            throw new KeyspaceException(KeyspaceException.OVERFLOW);
        }
        if (amount == 0 && !creating) {
            return new Write<>(next, null);
        }
        HlcTimestamp timestamp = creating ? clock.now(nowMillis) : null;
        OrMap<Bytes, KeyValue> delta = state.update(key, kv -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            if (creating) {
                // A fresh key is a string holding "0", so a concurrent SET elsewhere orders against this creation.
                builder.kind(kv.kindSlot().write(replica, Kind.STRING.code(), timestamp));
                builder.string(kv.string().set(replica, Bytes.ofUtf8("0"), timestamp));
            }
            if (amount != 0) {
                builder.string(kv.string().incrementBy(replica, amount));
            }
            return builder.build();
        });
        return new Write<>(next, delta);
    }

    // ------------------------------------------------------------------------------------------------------
    // Sets

    /** {@code SADD}: returns how many members were not present before. */
    public Write<Integer> setAdd(Bytes key, List<Bytes> members, long nowMillis) throws KeyspaceException {
        KeyValue value = lookup(key);
        boolean creating = value == null || value.kind() == null;
        if (!creating) {
            requireKind(value, Kind.SET);
        }
        HlcTimestamp timestamp = creating ? clock.now(nowMillis) : null;
        int[] added = {0};
        OrMap<Bytes, KeyValue> delta = state.update(key, kv -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            if (creating) {
                builder.kind(kv.kindSlot().write(replica, Kind.SET.code(), timestamp));
            }
            for (Bytes member : members) {
                if (!kv.set().contains(member)) {
                    added[0]++;
                }
                builder.set(kv.set().add(replica, member));
            }
            return builder.build();
        });
        return new Write<>(added[0], delta);
    }

    /** {@code SREM}: returns how many members were present; the key disappears with its last member. */
    public Write<Integer> setRemove(Bytes key, List<Bytes> members) throws KeyspaceException {
        KeyValue value = lookup(key);
        if (value == null || value.kind() == null) {
            return new Write<>(0, null);
        }
        requireKind(value, Kind.SET);
        int removed = 0;
        for (Bytes member : members) {
            if (value.set().contains(member)) {
                removed++;
            }
        }
        if (removed == 0) {
            return new Write<>(0, null);
        }
        OrMap<Bytes, KeyValue> delta = state.update(key, kv -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            for (Bytes member : members) {
                builder.set(kv.set().remove(member));
            }
            if (kv.set().isEmpty()) {
                // An empty set is no key at all in Redis: drop the kind too, so nothing lingers.
                kv.clearInto(builder);
            }
            return builder.build();
        });
        return new Write<>(removed, delta);
    }

    public Set<Bytes> setMembers(Bytes key) throws KeyspaceException {
        KeyValue value = readable(key, Kind.SET);
        return value == null ? Set.of() : value.set().elements();
    }

    public boolean setContains(Bytes key, Bytes member) throws KeyspaceException {
        KeyValue value = readable(key, Kind.SET);
        return value != null && value.set().contains(member);
    }

    public int setSize(Bytes key) throws KeyspaceException {
        KeyValue value = readable(key, Kind.SET);
        return value == null ? 0 : value.set().size();
    }

    // ------------------------------------------------------------------------------------------------------
    // Hashes

    /** {@code HSET}: returns how many fields were new. */
    public Write<Integer> hashSet(Bytes key, Map<Bytes, Bytes> fields, long nowMillis) throws KeyspaceException {
        KeyValue value = lookup(key);
        boolean creating = value == null || value.kind() == null;
        if (!creating) {
            requireKind(value, Kind.HASH);
        }
        HlcTimestamp timestamp = clock.now(nowMillis);
        int[] created = {0};
        OrMap<Bytes, KeyValue> delta = state.update(key, kv -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            if (creating) {
                builder.kind(kv.kindSlot().write(replica, Kind.HASH.code(), timestamp));
            }
            for (Map.Entry<Bytes, Bytes> field : fields.entrySet()) {
                if (!kv.hash().containsKey(field.getKey())) {
                    created[0]++;
                }
                builder.hash(kv.hash().update(field.getKey(), string -> string.set(replica, field.getValue(), timestamp)));
            }
            return builder.build();
        });
        return new Write<>(created[0], delta);
    }

    public Optional<Bytes> hashGet(Bytes key, Bytes field) throws KeyspaceException {
        KeyValue value = readable(key, Kind.HASH);
        if (value == null) {
            return Optional.empty();
        }
        StringValue string = value.hash().get(field);
        if (string == null) {
            return Optional.empty();
        }
        try {
            return string.value();
        } catch (ArithmeticException overflow) {
            throw new KeyspaceException(KeyspaceException.OVERFLOW);
        }
    }

    /** {@code HGETALL}: every field with its value, in no particular order. */
    public Map<Bytes, Bytes> hashGetAll(Bytes key) throws KeyspaceException {
        KeyValue value = readable(key, Kind.HASH);
        if (value == null) {
            return Map.of();
        }
        Map<Bytes, Bytes> all = new LinkedHashMap<>();
        for (Bytes field : value.hash().keys()) {
            Optional<Bytes> fieldValue = hashGet(key, field);
            fieldValue.ifPresent(v -> all.put(field, v));
        }
        return Collections.unmodifiableMap(all);
    }

    public Set<Bytes> hashKeys(Bytes key) throws KeyspaceException {
        KeyValue value = readable(key, Kind.HASH);
        return value == null ? Set.of() : value.hash().keys();
    }

    public int hashSize(Bytes key) throws KeyspaceException {
        KeyValue value = readable(key, Kind.HASH);
        return value == null ? 0 : value.hash().size();
    }

    /** {@code HDEL}: returns how many fields were present; the key disappears with its last field. */
    public Write<Integer> hashDelete(Bytes key, List<Bytes> fields) throws KeyspaceException {
        KeyValue value = readable(key, Kind.HASH);
        if (value == null) {
            return new Write<>(0, null);
        }
        int removed = 0;
        for (Bytes field : fields) {
            if (value.hash().containsKey(field)) {
                removed++;
            }
        }
        if (removed == 0) {
            return new Write<>(0, null);
        }
        OrMap<Bytes, KeyValue> delta = state.update(key, kv -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            for (Bytes field : fields) {
                builder.hash(kv.hash().remove(field));
            }
            if (kv.hash().isEmpty()) {
                kv.clearInto(builder);
            }
            return builder.build();
        });
        return new Write<>(removed, delta);
    }

    /**
     * What {@code HINCRBY key field amount} would answer, changing nothing: the new value, or the refusal
     * {@link #hashIncrementBy} would throw. A front door that checks several increments before applying any (so a
     * refused one leaves the hash untouched) calls this, and so refuses exactly what the write refuses.
     */
    public long hashIncrementResult(Bytes key, Bytes field, long amount) throws KeyspaceException {
        KeyValue value = lookup(key);
        boolean creating = value == null || value.kind() == null;
        if (!creating) {
            requireKind(value, Kind.HASH);
        }
        StringValue fieldValue = creating ? null : value.hash().get(field);
        long current = fieldValue == null ? 0 : integerOf(fieldValue, KeyspaceException.HASH_NOT_AN_INTEGER);
        try {
            return Math.addExact(current, amount);
        } catch (ArithmeticException overflow) {
            throw new KeyspaceException(KeyspaceException.OVERFLOW);
        }
    }

    /** {@code HINCRBY}: adds to the integer in a hash field (0 when absent) and returns the new value. */
    public Write<Long> hashIncrementBy(Bytes key, Bytes field, long amount, long nowMillis) throws KeyspaceException {
        long next = hashIncrementResult(key, field, amount);
        KeyValue value = lookup(key);
        boolean creating = value == null || value.kind() == null;
        StringValue fieldValue = creating ? null : value.hash().get(field);
        boolean fieldIsNew = fieldValue == null;
        if (amount == 0 && !fieldIsNew) {
            return new Write<>(next, null);
        }
        HlcTimestamp timestamp = clock.now(nowMillis);
        OrMap<Bytes, KeyValue> delta = state.update(key, kv -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            if (creating) {
                builder.kind(kv.kindSlot().write(replica, Kind.HASH.code(), timestamp));
            }
            if (fieldIsNew) {
                builder.hash(kv.hash().update(field, string -> string.set(replica, Bytes.ofUtf8("0"), timestamp)));
            }
            if (amount != 0) {
                builder.hash(kv.hash().update(field, string -> string.incrementBy(replica, amount)));
            }
            return builder.build();
        });
        return new Write<>(next, delta);
    }

    // ---- TXLUA: change markers for WATCH

    /**
     * A watched key's change marker: bumped whenever a delta touches the key (a local write, a replicated delta, a
     * state transfer), and counted watchers so the entry disappears with the last {@link #unwatch}. Only watched keys
     * have one, so the cost of the markers follows the number of watches, never the keyspace.
     */
    private static final class ChangeMarker {
        long changes;
        int watchers;
    }

    private final Map<Bytes, ChangeMarker> watched = new java.util.HashMap<>();

    /**
     * Starts watching {@code key} for one watcher and returns its change marker now; {@link #changedSince} later tells
     * whether any delta touched the key in between. Every {@code watch} needs one {@link #unwatch}.
     */
    public long watch(Bytes key) {
        ChangeMarker marker = watched.computeIfAbsent(java.util.Objects.requireNonNull(key, "key"),
                k -> new ChangeMarker());
        marker.watchers++;
        return marker.changes;
    }

    /** Ends one watcher's {@link #watch} of {@code key}. */
    public void unwatch(Bytes key) {
        ChangeMarker marker = watched.get(key);
        if (marker == null || marker.watchers <= 0) {
            throw new IllegalStateException("unwatch of " + key + ", which has no watcher");
        }
        if (--marker.watchers == 0) {
            watched.remove(key);
        }
    }

    /** True when a delta touched {@code key} since {@link #watch} returned {@code marker}. */
    public boolean changedSince(Bytes key, long marker) {
        ChangeMarker current = watched.get(key);
        if (current == null) {
            throw new IllegalStateException("changedSince of " + key + ", which is not watched");
        }
        return current.changes != marker;
    }

    /**
     * Bumps the change marker of every watched key among {@code keys}. The replica core calls it for each delta it
     * commits or applies, so a {@code WATCH} sees local writes and replicated ones alike.
     */
    public void changed(java.util.Collection<Bytes> keys) {
        if (watched.isEmpty()) {
            return;
        }
        for (Bytes key : keys) {
            ChangeMarker marker = watched.get(key);
            if (marker != null) {
                marker.changes++;
            }
        }
    }

    /** How many keys are watched (for INFO and tests). */
    public int watchedKeys() {
        return watched.size();
    }

    // ------------------------------------------------------------------------------------------------------

    /**
     * The value of {@code key} as commands see it, or null when the key holds nothing. Every read and every
     * read-modify-write goes through here, so a rule about what is visible (key expiry, for one) lives in one place;
     * only {@link #delete} and inspection look at the raw state.
     */
    private KeyValue lookup(Bytes key) {
        return state.get(key);
    }

    private KeyValue readable(Bytes key, Kind kind) throws KeyspaceException {
        KeyValue value = lookup(key);
        if (value == null || value.kind() == null) {
            return null;
        }
        requireKind(value, kind);
        return value;
    }

    private static void requireKind(KeyValue value, Kind kind) throws KeyspaceException {
        if (value.kind() != kind) {
            throw new KeyspaceException(KeyspaceException.WRONG_TYPE);
        }
    }

    private static long integerOf(StringValue string, String notAnIntegerError) throws KeyspaceException {
        Long current;
        try {
            current = string.integerValue();
        } catch (ArithmeticException overflow) {
            throw new KeyspaceException(KeyspaceException.OVERFLOW);
        }
        if (current == null) {
            throw new KeyspaceException(notAnIntegerError);
        }
        return current;
    }

    private static OrMap<Bytes, KeyValue> combine(OrMap<Bytes, KeyValue> accumulated, OrMap<Bytes, KeyValue> delta) {
        if (delta == null) {
            return accumulated;
        }
        return accumulated == null ? delta : accumulated.merge(delta);
    }

    /** For tests and inspection: the set slot of a key regardless of its visible kind. */
    OrSet<Bytes> rawSet(Bytes key) {
        KeyValue value = state.get(key);
        return value == null ? null : value.set();
    }
}
