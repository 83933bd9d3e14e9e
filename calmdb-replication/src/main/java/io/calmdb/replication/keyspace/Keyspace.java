package io.calmdb.replication.keyspace;

import io.calmdb.crdt.BoundedCounter;
import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.HlcTimestamp;
import io.calmdb.crdt.HybridLogicalClock;
import io.calmdb.crdt.InsufficientRightsException;
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
        indexDeadlines(delta);
    }

    /**
     * Joins a delta from another region and advances this replica's hybrid logical clock past the newest write it
     * carries, so a later local write that has seen it always orders after it, whatever the clocks' skew. A
     * timestamp further ahead of {@code nowMillis} than the clock's drift bound is not adopted (the delta still
     * applies: refusing a replicated delta would break convergence); {@link #clockDriftRejections()} counts them.
     */
    public void applyRemote(OrMap<Bytes, KeyValue> delta, long nowMillis) {
        List<Bytes> watchedPresent = watchedPresentKeys();
        state.merge(delta);
        touchWatchedKeysGone(watchedPresent);
        indexDeadlines(delta);
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
            if (state.get(key) != null && !isReserved(key)) {
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
            changed(List.of(key)); // no delta, but Redis counts it a write: a WATCH of the key sees it
            return new Write<>(next, null);
        }
        HlcTimestamp timestamp = creating ? clock.now(nowMillis) : null;
        OrMap<Bytes, KeyValue> delta = state.update(key, kv -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            if (creating) {
                kv.clearInto(builder);
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
                kv.clearInto(builder);
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
    public Write<Integer> setRemove(Bytes key, List<Bytes> named) throws KeyspaceException {
        KeyValue value = lookup(key);
        if (value == null || value.kind() == null) {
            return new Write<>(0, null);
        }
        requireKind(value, Kind.SET);
        int removed = 0;
        // A member named twice is removed once and counted once, as in Redis.
        List<Bytes> members = List.copyOf(new java.util.LinkedHashSet<>(named));
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
                kv.clearInto(builder);
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
    public Write<Integer> hashDelete(Bytes key, List<Bytes> named) throws KeyspaceException {
        KeyValue value = readable(key, Kind.HASH);
        if (value == null) {
            return new Write<>(0, null);
        }
        int removed = 0;
        // A field named twice is removed once and counted once, as in Redis.
        List<Bytes> fields = List.copyOf(new java.util.LinkedHashSet<>(named));
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
            changed(List.of(key)); // no delta, but Redis counts it a write: a WATCH of the key sees it
            return new Write<>(next, null);
        }
        HlcTimestamp timestamp = clock.now(nowMillis);
        OrMap<Bytes, KeyValue> delta = state.update(key, kv -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            if (creating) {
                kv.clearInto(builder);
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

    // ---- EXPIRY
    // Key expiry. A key's deadline is CRDT state inside the key (KeyValue's expiry register); what is visible is
    // judged by lookup against the time of the current task, which the driver sets before each task (as Redis
    // freezes time for a command), and active expiry removes due keys through the normal local commit path. The
    // deadline index below orders the keys that have a deadline, so a sweep costs the keys it removes, not the
    // keyspace; it is kept as local and remote deltas apply.

    /**
     * What an {@code EXPIRE} requires of the key's current deadline on this replica: nothing, none ({@code NX}), one
     * ({@code XX}), an earlier one ({@code GT}), a later one or none ({@code LT}), or a later one ({@code XX LT};
     * {@code XX GT} is {@code GT}).
     */
    public enum ExpiryCondition {
        ALWAYS, NX, XX, GT, LT, XX_LT
    }

    /** What {@code SET} did: whether it wrote (false only under {@code XX} on an absent key) and the old string. */
    public record SetOutcome(boolean written, Optional<Bytes> previous) {}

    /** The index position of a key: its deadline, or {@link #ORPHAN_DEADLINE} for a key holding only expiry writes. */
    private record Due(long deadlineMillis, Bytes key) implements Comparable<Due> {
        @Override
        public int compareTo(Due other) {
            int byDeadline = Long.compare(deadlineMillis, other.deadlineMillis);
            return byDeadline != 0 ? byDeadline : key.compareTo(other.key);
        }
    }

    /**
     * The index position of a key that holds expiry writes but no data (a {@code PERSIST} or {@code EXPIRE} concurrent
     * with a {@code DEL}): it is invisible, and the next sweep removes what is left of it so the memory is reclaimed.
     */
    private static final long ORPHAN_DEADLINE = Long.MIN_VALUE;

    private long taskTimeMillis = Long.MIN_VALUE;
    private final java.util.TreeSet<Due> dueByDeadline = new java.util.TreeSet<>();
    private final Map<Bytes, Long> indexedDeadline = new java.util.HashMap<>();
    private int indexedExpiring;
    private double indexedDeadlinesSumMillis;

    /**
     * Sets the time of the current task, in milliseconds since the epoch: every read judges expiry against it until
     * the next call. The driver calls it before each task, so a command sees one instant, as in Redis. Until the
     * first call no key is expired.
     */
    public void setTaskTime(long nowMillis) {
        taskTimeMillis = nowMillis;
    }

    /** The time of the current task (see {@link #setTaskTime}). */
    public long taskTimeMillis() {
        return taskTimeMillis;
    }

    /**
     * Updates the deadline index for the keys {@code delta} touched. Remote and recovered deltas are indexed by
     * {@link #apply} and {@link #applyRemote}; the replica core calls this for every local delta it commits, so a
     * write of any command keeps the index right. Costs the keys touched.
     */
    public void indexDeadlines(OrMap<Bytes, KeyValue> delta) {
        if (delta == null) {
            return;
        }
        for (Bytes key : delta.touchedKeys()) {
            reindex(key);
        }
    }

    /** The resolved deadline of a visible key in milliseconds since the epoch, or null (absent, or no deadline). */
    public Long deadline(Bytes key) {
        KeyValue value = lookup(key);
        return value == null || value.kind() == null ? null : value.deadline();
    }

    /** {@code PTTL}: -2 when the key is absent, -1 when it has no deadline, otherwise the milliseconds left (>= 0). */
    public long timeToLiveMillis(Bytes key) {
        KeyValue value = lookup(key);
        if (value == null || value.kind() == null) {
            return -2;
        }
        Long deadline = value.deadline();
        return deadline == null ? -1 : Math.max(0, deadline - taskTimeMillis);
    }

    /**
     * {@code PEXPIREAT key deadline [NX|XX|GT|LT]}: gives a present key the deadline and answers true, or answers
     * false when the key is absent or the condition does not hold on this replica (a key without a deadline counts as
     * an infinite one for {@code GT} and {@code LT}, as in Redis). A deadline at or before {@code nowMillis} deletes
     * the key (an observed remove). Concurrent deadlines resolve to the latest; a {@code PERSIST} beats them.
     */
    public Write<Boolean> expire(Bytes key, long deadlineMillis, ExpiryCondition condition, long nowMillis) {
        KeyValue value = lookup(key);
        if (value == null || value.kind() == null) {
            return new Write<>(false, null);
        }
        Long current = value.deadline();
        boolean allowed = switch (condition) {
            case ALWAYS -> true;
            case NX -> current == null;
            case XX -> current != null;
            case GT -> current != null && deadlineMillis > current;
            case LT -> current == null || deadlineMillis < current;
            case XX_LT -> current != null && deadlineMillis < current;
        };
        if (!allowed) {
            return new Write<>(false, null);
        }
        if (deadlineMillis <= nowMillis) {
            return new Write<>(true, delete(List.of(key)).delta());
        }
        return new Write<>(true, writeDeadline(key, deadlineMillis, nowMillis));
    }

    /** {@code PERSIST}: removes a present key's deadline and answers true; false when absent or without one. */
    public Write<Boolean> persist(Bytes key, long nowMillis) {
        if (deadline(key) == null) {
            return new Write<>(false, null);
        }
        return new Write<>(true, writeDeadline(key, KeyValue.NO_DEADLINE, nowMillis));
    }

    /**
     * {@code SET key value [XX] [GET] [EX|PX|EXAT|PXAT|KEEPTTL]}: sets the string, replacing whatever this replica
     * observed at the key; the deadline is {@code deadlineMillis} when given, the key's current one under
     * {@code keepTtl}, and none otherwise. {@code onlyIfPresent} ({@code XX}) is decided on this replica's state.
     * With {@code returnOld} the previous string is read first, and a key of another type is refused.
     */
    public Write<SetOutcome> setString(Bytes key, Bytes value, Long deadlineMillis, boolean keepTtl,
                                       boolean onlyIfPresent, boolean returnOld, long nowMillis)
            throws KeyspaceException {
        Optional<Bytes> previous = returnOld ? get(key) : Optional.empty();
        if (onlyIfPresent && !exists(key)) {
            return new Write<>(new SetOutcome(false, previous), null);
        }
        boolean keep = keepTtl && lookup(key) != null;
        HlcTimestamp timestamp = clock.now(nowMillis);
        OrMap<Bytes, KeyValue> delta = state.update(key, current -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            if (keep) {
                current.clearDataInto(builder);
            } else {
                current.clearInto(builder);
            }
            builder.kind(current.kindSlot().write(replica, Kind.STRING.code(), timestamp));
            builder.string(current.string().set(replica, value, timestamp));
            if (deadlineMillis != null) {
                builder.expiry(current.expirySlot().write(replica, deadlineMillis, timestamp));
            }
            return builder.build();
        });
        reindex(key);
        return new Write<>(new SetOutcome(true, previous), delta);
    }

    /**
     * {@code GETEX}: the string at {@code key} (empty when absent), then, when present, gives it
     * {@code deadlineMillis} (deleting it when that is at or before {@code nowMillis}) or, with {@code persist},
     * removes its deadline. With neither it only reads.
     */
    public Write<Optional<Bytes>> getAndExpire(Bytes key, Long deadlineMillis, boolean persist, long nowMillis)
            throws KeyspaceException {
        Optional<Bytes> value = get(key);
        if (value.isEmpty()) {
            return new Write<>(value, null);
        }
        if (persist) {
            return new Write<>(value, persist(key, nowMillis).delta());
        }
        if (deadlineMillis == null) {
            return new Write<>(value, null);
        }
        return new Write<>(value, expire(key, deadlineMillis, ExpiryCondition.ALWAYS, nowMillis).delta());
    }

    /**
     * Active expiry: removes, as observed removes, the keys whose deadline passed before {@code nowMillis}, visiting
     * at most {@code keysMax} index entries (earliest deadline first), and answers how many keys it removed with the
     * one delta the caller commits like a {@code DEL}. A write made elsewhere that this replica had not seen
     * survives the removal.
     */
    public Write<Integer> expireDue(long nowMillis, int keysMax) {
        OrMap<Bytes, KeyValue> delta = null;
        int removed = 0;
        Due skipped = null;
        for (int visited = 0; visited < keysMax; visited++) {
            Due first = skipped != null ? dueByDeadline.higher(skipped)
                    : dueByDeadline.isEmpty() ? null : dueByDeadline.first();
            if (first == null || first.deadlineMillis() >= nowMillis) {
                break;
            }
            Long actual = indexPosition(state.get(first.key()));
            if (actual == null || actual != first.deadlineMillis()) {
                // A join the index did not see (a state transfer's removals) moved it; the entry is put right.
                reindex(first.key());
                continue;
            }
            if (!expiryRemovable.test(first.key())) {
                // Another region removes it (a claimed key's lease ends by its authority's clock); reads hide it.
                skipped = first;
                continue;
            }
            delta = combine(delta, state.remove(first.key()));
            reindex(first.key());
            removed++;
        }
        return new Write<>(removed, delta);
    }

    /** How many keys carry a deadline (Redis's {@code expires} in {@code INFO keyspace}), due ones not yet removed included. */
    public int expiringKeys() {
        return indexedExpiring;
    }

    /** The mean time to live of the keys with a deadline at {@code nowMillis} in milliseconds, 0 when there are none. */
    public long averageTimeToLiveMillis(long nowMillis) {
        if (indexedExpiring == 0) {
            return 0;
        }
        return Math.max(0, (long) (indexedDeadlinesSumMillis / indexedExpiring) - nowMillis);
    }

    private OrMap<Bytes, KeyValue> writeDeadline(Bytes key, long deadlineMillis, long nowMillis) {
        HlcTimestamp timestamp = clock.now(nowMillis);
        OrMap<Bytes, KeyValue> delta = state.update(key, current -> new KeyValue.DeltaBuilder()
                .expiry(current.expirySlot().write(replica, deadlineMillis, timestamp)).build());
        reindex(key);
        return delta;
    }

    /** Where the index keeps a key: its resolved deadline, {@link #ORPHAN_DEADLINE}, or null when not indexed. */
    private static Long indexPosition(KeyValue value) {
        if (value == null || value.expiryRegister().isBottom()) {
            return null;
        }
        if (!value.holdsData()) {
            return ORPHAN_DEADLINE;
        }
        return value.deadline();
    }

    private void reindex(Bytes key) {
        Long previous = indexedDeadline.remove(key);
        if (previous != null) {
            dueByDeadline.remove(new Due(previous, key));
            if (previous != ORPHAN_DEADLINE) {
                indexedExpiring--;
                indexedDeadlinesSumMillis -= previous;
            }
        }
        Long position = indexPosition(state.get(key));
        if (position != null) {
            indexedDeadline.put(key, position);
            dueByDeadline.add(new Due(position, key));
            if (position != ORPHAN_DEADLINE) {
                indexedExpiring++;
                indexedDeadlinesSumMillis += position;
            }
        }
    }

    // ---- DATA: everyday data commands (keys, string edits, hashes, sets), each answering from local state.

    /** The longest string {@code SETRANGE}, {@code SETBIT} and {@code APPEND} may build, in bytes (see docs/resp.md). */
    public static final int STRING_BYTES_MAX = 16 * 1024 * 1024;
    /** Redis's reply when an edit would make a string longer than {@link #STRING_BYTES_MAX}. */
    public static final String STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    /** Redis's reply to a bit offset that is not a number or lies beyond {@link #STRING_BYTES_MAX}. */
    public static final String BIT_OFFSET_INVALID = "ERR bit offset is not an integer or out of range";

    /**
     * {@code FLUSHALL}/{@code FLUSHDB}: an observed remove of every key, as one delta whose context is what this
     * replica has seen. A write another region made concurrently, unseen here, survives. Costs one pass over the
     * state to gather the observed dots (Redis's synchronous flush is linear too).
     */
    public Write<Void> flushAll() {
        if (state.isEmpty()) {
            return new Write<>(null, null);
        }
        touchWatchedPresentKeys();
        if (!holdsReserved()) {
            removedUnlisted.addAll(state.keys());
            return new Write<>(null, state.clear());
        }
        // Claim facts are the authority's decisions, not user data: a flush anywhere must not remove them. Each key
        // removed is named in the delta, so the checkpoint and WATCH see it without the unlisted-removal path.
        OrMap<Bytes, KeyValue> delta = null;
        for (Bytes key : new ArrayList<>(state.keys())) {
            if (!isReserved(key)) {
                delta = combine(delta, state.remove(key));
            }
        }
        return new Write<>(null, delta);
    }

    /**
     * {@code RENAME}/{@code RENAMENX}: a write of the destination (a fresh copy of the source's visible value,
     * replacing what this replica observed at the destination) plus an observed remove of the source. Refused with
     * {@code ERR no such key} when the source is absent here. With {@code onlyIfAbsent}, answers false and changes
     * nothing when the destination is present on this replica: absence is decided locally, not globally.
     */
    public Write<Boolean> rename(Bytes source, Bytes destination, boolean onlyIfAbsent, long nowMillis)
            throws KeyspaceException {
        KeyValue value = lookup(source);
        if (value == null || value.kind() == null) {
            throw new KeyspaceException("ERR no such key");
        }
        if (source.equals(destination)) {
            return new Write<>(!onlyIfAbsent, null);
        }
        if (onlyIfAbsent && exists(destination)) {
            return new Write<>(false, null);
        }
        OrMap<Bytes, KeyValue> delta = writeCopy(value, destination, nowMillis);
        delta = combine(delta, state.remove(source));
        return new Write<>(true, delta);
    }

    /**
     * {@code COPY}: writes a fresh copy of the source's visible value at the destination; false when the source is
     * absent, or the destination present (here) without {@code replace}. Refused when both are the same key.
     */
    public Write<Boolean> copy(Bytes source, Bytes destination, boolean replace, long nowMillis)
            throws KeyspaceException {
        if (source.equals(destination)) {
            throw new KeyspaceException("ERR source and destination objects are the same");
        }
        KeyValue value = lookup(source);
        if (value == null || value.kind() == null) {
            return new Write<>(false, null);
        }
        if (!replace && exists(destination)) {
            return new Write<>(false, null);
        }
        return new Write<>(true, writeCopy(value, destination, nowMillis));
    }

    /** Writes {@code source}'s visible value at {@code destination}, clearing what this replica observed there. */
    private OrMap<Bytes, KeyValue> writeCopy(KeyValue source, Bytes destination, long nowMillis) {
        Kind kind = source.kind();
        HlcTimestamp timestamp = clock.now(nowMillis);
        Optional<Bytes> string = kind == Kind.STRING ? source.string().value() : Optional.empty();
        Set<Bytes> members = kind == Kind.SET ? source.set().elements() : Set.of();
        Map<Bytes, Bytes> fields = new LinkedHashMap<>();
        if (kind == Kind.HASH) {
            for (Bytes field : source.hash().keys()) {
                source.hash().get(field).value().ifPresent(v -> fields.put(field, v));
            }
        }
        Long deadline = source.deadline();
        OrMap<Bytes, KeyValue> delta = state.update(destination, current -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            current.clearInto(builder);
            builder.kind(current.kindSlot().write(replica, kind.code(), timestamp));
            if (deadline != null) {
                // As in Redis, RENAME and COPY carry the source's time to live.
                builder.expiry(current.expirySlot().write(replica, deadline, timestamp));
            }
            string.ifPresent(v -> builder.string(current.string().set(replica, v, timestamp)));
            for (Bytes member : members) {
                builder.set(current.set().add(replica, member));
            }
            fields.forEach((field, v) -> builder.hash(current.hash().update(field,
                    s -> s.set(replica, v, timestamp))));
            return builder.build();
        });
        reindex(destination);
        return delta;
    }

    /** Rewrites the string at {@code key} keeping its time to live, as Redis's APPEND, SETRANGE and SETBIT do. */
    private OrMap<Bytes, KeyValue> keepingTtl(Bytes key, Bytes value, long nowMillis) {
        try {
            return setString(key, value, null, true, false, false, nowMillis).delta();
        } catch (KeyspaceException impossible) {
            throw new IllegalStateException("SET without GET cannot be refused", impossible);
        }
    }

    /** {@code RANDOMKEY}: a key chosen with {@code random}, or empty. One pass over the keys (see docs/resp.md). */
    public Optional<Bytes> randomKey(java.util.random.RandomGenerator random) {
        Bytes chosen = null;
        int seen = 0;
        for (Bytes key : state.keys()) {
            if (exists(key) && random.nextInt(++seen) == 0) {
                chosen = key; // reservoir sampling: each present key ends up chosen with probability 1/seen
            }
        }
        return Optional.ofNullable(chosen);
    }

    /**
     * {@code OBJECT ENCODING}: the encoding Redis 7.0 would report for this value, derived from its size and
     * content (CalmDB keeps CRDTs, not Redis's encodings): strings {@code int}, {@code embstr} (up to 44 bytes)
     * or {@code raw}; hashes {@code listpack} (up to 128 fields of up to 64 bytes) or {@code hashtable}; sets
     * {@code intset} (up to 512 integers) or {@code hashtable}. Empty when the key is absent.
     */
    public Optional<String> objectEncoding(Bytes key) throws KeyspaceException {
        KeyValue value = lookup(key);
        if (value == null || value.kind() == null) {
            return Optional.empty();
        }
        return Optional.of(switch (value.kind()) {
            case STRING -> {
                Bytes string = get(key).orElse(Bytes.ofUtf8(""));
                yield StringValue.parseInteger(string) != null ? "int" : string.length() <= 44 ? "embstr" : "raw";
            }
            case HASH -> {
                boolean small = value.hash().size() <= 128;
                if (small) {
                    for (Bytes field : value.hash().keys()) {
                        Optional<Bytes> v = value.hash().get(field).value();
                        if (field.length() > 64 || v.map(Bytes::length).orElse(0) > 64) {
                            small = false;
                            break;
                        }
                    }
                }
                yield small ? "listpack" : "hashtable";
            }
            case SET -> {
                boolean integers = value.set().size() <= 512;
                if (integers) {
                    for (Bytes member : value.set().elements()) {
                        if (StringValue.parseInteger(member) == null) {
                            integers = false;
                            break;
                        }
                    }
                }
                yield integers ? "intset" : "hashtable";
            }
            case BOUNDED_COUNTER -> "escrow";
            case ID_NAMESPACE -> "snowflake";
        });
    }

    /**
     * {@code MEMORY USAGE}: an estimate in bytes, the size of the key's self-contained encoded state (its value,
     * its causal metadata and the key itself) as {@link #CODEC} writes it; empty when absent. Costs an encoding of
     * the key's value.
     */
    public Optional<Long> memoryUsage(Bytes key) {
        KeyValue value = lookup(key);
        if (value == null || value.kind() == null) {
            return Optional.empty();
        }
        OrMap<Bytes, KeyValue> extracted = state.extract(key);
        return Optional.of((long) io.calmdb.crdt.Codecs.encode(CODEC, extracted).length);
    }

    /** {@code APPEND}: a last-writer-wins rewrite of the whole string with the suffix added; returns the new length. */
    public Write<Long> append(Bytes key, Bytes suffix, long nowMillis) throws KeyspaceException {
        byte[] current = get(key).map(Bytes::toByteArray).orElse(new byte[0]);
        if ((long) current.length + suffix.length() > STRING_BYTES_MAX) {
            throw new KeyspaceException(STRING_TOO_LONG);
        }
        byte[] next = java.util.Arrays.copyOf(current, current.length + suffix.length());
        System.arraycopy(suffix.toByteArray(), 0, next, current.length, suffix.length());
        return new Write<>((long) next.length, keepingTtl(key, Bytes.copyOf(next), nowMillis));
    }

    /** {@code STRLEN}: the length of the string, 0 when absent. */
    public long stringLength(Bytes key) throws KeyspaceException {
        return get(key).map(Bytes::length).orElse(0);
    }

    /** {@code GETRANGE}/{@code SUBSTR}: the bytes from {@code start} to {@code end} inclusive, Redis's index rules. */
    public Bytes getRange(Bytes key, long start, long end) throws KeyspaceException {
        byte[] string = get(key).map(Bytes::toByteArray).orElse(new byte[0]);
        long length = string.length;
        if (start < 0 && end < 0 && start > end) {
            return Bytes.ofUtf8("");
        }
        start = start < 0 ? Math.max(0, length + start) : start;
        end = end < 0 ? Math.max(0, length + end) : end;
        end = Math.min(end, length - 1);
        if (start > end || length == 0) {
            return Bytes.ofUtf8("");
        }
        return Bytes.copyOf(java.util.Arrays.copyOfRange(string, (int) start, (int) end + 1));
    }

    /**
     * {@code SETRANGE}: overwrites the string from {@code offset} (padding with zero bytes), a last-writer-wins
     * rewrite of the whole value; returns the new length. An empty {@code value} changes nothing.
     */
    public Write<Long> setRange(Bytes key, long offset, Bytes value, long nowMillis) throws KeyspaceException {
        if (offset < 0) {
            throw new KeyspaceException("ERR offset is out of range");
        }
        Optional<Bytes> existing = get(key);
        byte[] current = existing.map(Bytes::toByteArray).orElse(new byte[0]);
        if (value.length() == 0) {
            return new Write<>((long) current.length, null);
        }
        if (offset + value.length() > STRING_BYTES_MAX) {
            throw new KeyspaceException(STRING_TOO_LONG);
        }
        byte[] next = java.util.Arrays.copyOf(current, Math.max(current.length, (int) offset + value.length()));
        System.arraycopy(value.toByteArray(), 0, next, (int) offset, value.length());
        return new Write<>((long) next.length, keepingTtl(key, Bytes.copyOf(next), nowMillis));
    }

    /** {@code GETBIT}: the bit at {@code offset} (0 beyond the end or when absent). */
    public int getBit(Bytes key, long offset) throws KeyspaceException {
        requireBitOffset(offset);
        byte[] string = get(key).map(Bytes::toByteArray).orElse(new byte[0]);
        long index = offset >>> 3;
        if (index >= string.length) {
            return 0;
        }
        return (string[(int) index] >> (7 - (int) (offset & 7))) & 1;
    }

    /** {@code SETBIT}: sets the bit at {@code offset} (a rewrite of the whole value); returns the previous bit. */
    public Write<Integer> setBit(Bytes key, long offset, int bit, long nowMillis) throws KeyspaceException {
        requireBitOffset(offset);
        byte[] current = get(key).map(Bytes::toByteArray).orElse(new byte[0]);
        int index = (int) (offset >>> 3);
        byte[] next = java.util.Arrays.copyOf(current, Math.max(current.length, index + 1));
        int shift = 7 - (int) (offset & 7);
        int previous = (next[index] >> shift) & 1;
        next[index] = (byte) (bit == 1 ? next[index] | (1 << shift) : next[index] & ~(1 << shift));
        if (previous == bit && next.length == current.length && lookup(key) != null) {
            return new Write<>(previous, null);
        }
        return new Write<>(previous, keepingTtl(key, Bytes.copyOf(next), nowMillis));
    }

    private static void requireBitOffset(long offset) throws KeyspaceException {
        if (offset < 0 || (offset >>> 3) >= STRING_BYTES_MAX) {
            throw new KeyspaceException(BIT_OFFSET_INVALID);
        }
    }

    /**
     * {@code BITCOUNT}: the set bits of the whole string, or of the range {@code start..end} inclusive in bytes (or
     * bits when {@code bitUnit}), with Redis's negative indexes; {@code start} null means the whole string.
     */
    public long bitCount(Bytes key, Long start, Long end, boolean bitUnit) throws KeyspaceException {
        byte[] string = get(key).map(Bytes::toByteArray).orElse(new byte[0]);
        long total = bitUnit ? (long) string.length * 8 : string.length;
        long from = 0;
        long to = total - 1;
        if (start != null) {
            from = start < 0 ? Math.max(0, total + start) : start;
            to = end < 0 ? Math.max(0, total + end) : end;
            if (start < 0 && end < 0 && start > end) {
                return 0;
            }
            to = Math.min(to, total - 1);
        }
        if (from > to || total == 0) {
            return 0;
        }
        long count = 0;
        if (!bitUnit) {
            for (long i = from; i <= to; i++) {
                count += Integer.bitCount(string[(int) i] & 0xFF);
            }
            return count;
        }
        for (long i = from; i <= to; i++) {
            count += (string[(int) (i >>> 3)] >> (7 - (int) (i & 7))) & 1;
        }
        return count;
    }

    /** {@code HVALS}: every value of a hash, in no particular order. */
    public List<Bytes> hashValues(Bytes key) throws KeyspaceException {
        return new ArrayList<>(hashGetAll(key).values());
    }

    /** {@code HSTRLEN}: the length of a field's value, 0 when absent. */
    public long hashStringLength(Bytes key, Bytes field) throws KeyspaceException {
        return hashGet(key, field).map(Bytes::length).orElse(0);
    }

    /**
     * {@code HRANDFIELD}: up to {@code count} distinct fields with their values ({@code count} > 0), or
     * {@code -count} fields that may repeat ({@code count} < 0), chosen with {@code random}. The hash has no random
     * access, so this is one pass over its fields (reservoir sampling), never a copy of the hash.
     */
    public List<Map.Entry<Bytes, Bytes>> hashRandomFields(Bytes key, long count,
                                                          java.util.random.RandomGenerator random)
            throws KeyspaceException {
        KeyValue value = readable(key, Kind.HASH);
        if (value == null || count == 0) {
            return List.of();
        }
        boolean repeat = count < 0;
        int wanted = (int) Math.min(Math.abs(count == Long.MIN_VALUE ? Long.MAX_VALUE : count), Integer.MAX_VALUE);
        int size = value.hash().size();
        List<Bytes> chosen = new ArrayList<>();
        if (repeat) {
            // Every draw picks a position; one pass over the fields hands out the fields at the drawn positions.
            int[] positions = new int[wanted];
            for (int i = 0; i < wanted; i++) {
                positions[i] = random.nextInt(size);
            }
            Bytes[] byPosition = new Bytes[size];
            boolean[] wantedPosition = new boolean[size];
            for (int position : positions) {
                wantedPosition[position] = true;
            }
            int at = 0;
            for (Bytes field : value.hash().keys()) {
                if (wantedPosition[at]) {
                    byPosition[at] = field;
                }
                at++;
            }
            for (int position : positions) {
                chosen.add(byPosition[position]);
            }
        } else {
            int seen = 0;
            for (Bytes field : value.hash().keys()) {
                seen++;
                if (chosen.size() < wanted) {
                    chosen.add(field);
                } else {
                    int slot = random.nextInt(seen);
                    if (slot < wanted) {
                        chosen.set(slot, field);
                    }
                }
            }
            java.util.Collections.shuffle(chosen, random);
        }
        List<Map.Entry<Bytes, Bytes>> result = new ArrayList<>(chosen.size());
        for (Bytes field : chosen) {
            result.add(Map.entry(field, value.hash().get(field).value().orElse(Bytes.ofUtf8(""))));
        }
        return result;
    }

    /**
     * {@code SRANDMEMBER}: up to {@code count} distinct members ({@code count} > 0), or {@code -count} members that
     * may repeat ({@code count} < 0), chosen with {@code random}. A few table probes per member, not a pass over the
     * set, unless more than half the set is asked for (then one copy of the members).
     */
    public List<Bytes> setRandomMembers(Bytes key, long count, java.util.random.RandomGenerator random)
            throws KeyspaceException {
        KeyValue value = readable(key, Kind.SET);
        if (value == null || count == 0) {
            return List.of();
        }
        OrSet<Bytes> set = value.set();
        List<Bytes> chosen = new ArrayList<>();
        if (count < 0) {
            long wanted = count == Long.MIN_VALUE ? Long.MAX_VALUE : -count;
            for (long i = 0; i < wanted; i++) {
                chosen.add(set.randomElement(random));
            }
            return chosen;
        }
        if (count >= set.size()) {
            chosen.addAll(set.elements());
            return chosen;
        }
        if (count * 2 > set.size()) {
            List<Bytes> all = new ArrayList<>(set.elements());
            java.util.Collections.shuffle(all, random);
            return new ArrayList<>(all.subList(0, (int) count));
        }
        Set<Bytes> distinct = new java.util.LinkedHashSet<>();
        while (distinct.size() < count) {
            distinct.add(set.randomElement(random));
        }
        chosen.addAll(distinct);
        return chosen;
    }

    /**
     * {@code SPOP}: removes up to {@code count} members chosen with {@code random} (an observed remove of each) and
     * returns them. Two regions popping concurrently may both return the same member; see docs/resp.md.
     */
    public Write<List<Bytes>> setPop(Bytes key, long count, java.util.random.RandomGenerator random)
            throws KeyspaceException {
        List<Bytes> popped = count <= 0 ? List.of() : setRandomMembers(key, count, random);
        if (popped.isEmpty()) {
            return new Write<>(popped, null);
        }
        return new Write<>(popped, setRemove(key, popped).delta());
    }

    /**
     * {@code SMOVE}: removes {@code member} from {@code source} (observed remove) and adds it to {@code destination};
     * false when the source does not hold it here. Both keys must be sets (or the destination absent).
     */
    public Write<Boolean> setMove(Bytes source, Bytes destination, Bytes member, long nowMillis)
            throws KeyspaceException {
        KeyValue from = readable(source, Kind.SET);
        readable(destination, Kind.SET);
        if (from == null || !from.set().contains(member)) {
            return new Write<>(false, null);
        }
        if (source.equals(destination)) {
            return new Write<>(true, null);
        }
        OrMap<Bytes, KeyValue> delta = setRemove(source, List.of(member)).delta();
        delta = combine(delta, setAdd(destination, List.of(member), nowMillis).delta());
        return new Write<>(true, delta);
    }

    /** {@code SMISMEMBER}: for each member, whether the set holds it. */
    public List<Boolean> setContainsEach(Bytes key, List<Bytes> members) throws KeyspaceException {
        KeyValue value = readable(key, Kind.SET);
        List<Boolean> answers = new ArrayList<>(members.size());
        for (Bytes member : members) {
            answers.add(value != null && value.set().contains(member));
        }
        return answers;
    }

    /** The kinds of set algebra {@link #setAlgebra} computes. */
    public enum SetOperation { INTERSECTION, UNION, DIFFERENCE }

    /**
     * {@code SINTER}, {@code SUNION}, {@code SDIFF} over the sets at {@code keys} (an absent key is an empty set):
     * every key is type-checked first, as Redis does. An intersection walks the smallest set and probes the others.
     * {@code limit} (0 for none) stops an intersection early, for {@code SINTERCARD}.
     */
    public Set<Bytes> setAlgebra(SetOperation operation, List<Bytes> keys, long limit) throws KeyspaceException {
        List<OrSet<Bytes>> sets = new ArrayList<>(keys.size());
        for (Bytes key : keys) {
            KeyValue value = readable(key, Kind.SET);
            sets.add(value == null ? null : value.set());
        }
        Set<Bytes> result = new java.util.LinkedHashSet<>();
        switch (operation) {
            case INTERSECTION -> {
                OrSet<Bytes> smallest = null;
                for (OrSet<Bytes> set : sets) {
                    if (set == null) {
                        return result;
                    }
                    if (smallest == null || set.size() < smallest.size()) {
                        smallest = set;
                    }
                }
                for (Bytes member : smallest.elements()) {
                    boolean everywhere = true;
                    for (OrSet<Bytes> set : sets) {
                        if (set != smallest && !set.contains(member)) {
                            everywhere = false;
                            break;
                        }
                    }
                    if (everywhere) {
                        result.add(member);
                        if (limit > 0 && result.size() >= limit) {
                            return result;
                        }
                    }
                }
            }
            case UNION -> {
                for (OrSet<Bytes> set : sets) {
                    if (set != null) {
                        result.addAll(set.elements());
                    }
                }
            }
            case DIFFERENCE -> {
                if (sets.get(0) == null) {
                    return result;
                }
                for (Bytes member : sets.get(0).elements()) {
                    boolean elsewhere = false;
                    for (int i = 1; i < sets.size() && !elsewhere; i++) {
                        elsewhere = sets.get(i) != null && sets.get(i).contains(member);
                    }
                    if (!elsewhere) {
                        result.add(member);
                    }
                }
            }
        }
        return result;
    }

    /**
     * {@code SINTERSTORE}, {@code SUNIONSTORE}, {@code SDIFFSTORE}: replaces what this replica observed at
     * {@code destination} with a set of {@code members} (deletes it when there are none); returns the size.
     */
    public Write<Integer> setStore(Bytes destination, Set<Bytes> members, long nowMillis) {
        if (members.isEmpty()) {
            return new Write<>(0, delete(List.of(destination)).delta());
        }
        HlcTimestamp timestamp = clock.now(nowMillis);
        OrMap<Bytes, KeyValue> delta = state.update(destination, current -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            current.clearInto(builder);
            builder.kind(current.kindSlot().write(replica, Kind.SET.code(), timestamp));
            for (Bytes member : members) {
                builder.set(current.set().add(replica, member));
            }
            return builder.build();
        });
        return new Write<>(members.size(), delta);
    }

    /** Redis's reply to a float argument or stored value it cannot read. */
    public static final String NOT_A_FLOAT = "ERR value is not a valid float";
    /** Redis's reply when a float field of a hash holds something else. */
    public static final String HASH_NOT_A_FLOAT = "ERR hash value is not a float";
    /** Redis's reply when HINCRBYFLOAT's increment itself is infinite. */
    public static final String HASH_INCREMENT_NOT_FINITE = "ERR value is NaN or Infinity";
    /** Redis's reply when a float increment's result is not finite. */
    public static final String FLOAT_NOT_FINITE = "ERR increment would produce NaN or Infinity";

    /**
     * {@code INCRBYFLOAT}: adds a float to the string at {@code key} (0 when absent) and returns the result as Redis
     * prints it. The result is computed exactly as Redis computes it (x87 {@code long double}, see {@link LongDouble});
     * what replicates is the exact decimal difference between the result and the value read, added to this
     * replica's decimal sum, so increments made concurrently in other regions add up instead of being overwritten.
     */
    public Write<Bytes> incrementByFloat(Bytes key, Bytes increment, long nowMillis) throws KeyspaceException {
        KeyValue value = lookup(key);
        boolean creating = value == null || value.kind() == null;
        if (!creating) {
            requireKind(value, Kind.STRING);
        }
        Optional<Bytes> currentText = creating ? Optional.empty() : get(key);
        FloatStep step = floatStep(currentText, increment, NOT_A_FLOAT);
        if (step.amount().signum() == 0) {
            if (!creating && currentText.isPresent() && currentText.get().equals(step.result())) {
                changed(List.of(key)); // no delta, but Redis counts it a write: a WATCH of the key sees it
                return new Write<>(step.result(), null);
            }
            // The result only reformats the value ("1.50" + 0 is "1.5"): a rewrite, as Redis's is, which keeps the
            // key's TTL as Redis's overwrite does.
            return new Write<>(step.result(), setString(key, step.result(), null, true, false, false, nowMillis)
                    .delta());
        }
        HlcTimestamp timestamp = creating ? clock.now(nowMillis) : null;
        OrMap<Bytes, KeyValue> delta = state.update(key, kv -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            if (creating) {
                kv.clearInto(builder);
                builder.kind(kv.kindSlot().write(replica, Kind.STRING.code(), timestamp));
                builder.string(kv.string().set(replica, Bytes.ofUtf8("0"), timestamp));
            }
            builder.string(kv.string().incrementByDecimal(replica, step.amount()));
            return builder.build();
        });
        return new Write<>(step.result(), delta);
    }

    /** {@code HINCRBYFLOAT}: as {@link #incrementByFloat} for one field of a hash. */
    public Write<Bytes> hashIncrementByFloat(Bytes key, Bytes field, Bytes increment, long nowMillis)
            throws KeyspaceException {
        LongDouble parsedIncrement = LongDouble.parse(latin1(increment));
        if (parsedIncrement == null) {
            throw new KeyspaceException(NOT_A_FLOAT); // Redis reads the increment before it looks at the key
        }
        if (!parsedIncrement.isFinite()) {
            throw new KeyspaceException(HASH_INCREMENT_NOT_FINITE);
        }
        KeyValue value = lookup(key);
        boolean creating = value == null || value.kind() == null;
        if (!creating) {
            requireKind(value, Kind.HASH);
        }
        StringValue fieldValue = creating ? null : value.hash().get(field);
        boolean fieldIsNew = fieldValue == null;
        Optional<Bytes> currentText = fieldIsNew ? Optional.empty() : fieldValue.value();
        FloatStep step = floatStep(currentText, increment, HASH_NOT_A_FLOAT);
        if (step.amount().signum() == 0 && !fieldIsNew && currentText.isPresent()
                && currentText.get().equals(step.result())) {
            changed(List.of(key)); // no delta, but Redis counts it a write: a WATCH of the key sees it
            return new Write<>(step.result(), null);
        }
        HlcTimestamp timestamp = clock.now(nowMillis);
        boolean rewrite = step.amount().signum() == 0;
        OrMap<Bytes, KeyValue> delta = state.update(key, kv -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            if (creating) {
                kv.clearInto(builder);
                builder.kind(kv.kindSlot().write(replica, Kind.HASH.code(), timestamp));
            }
            if (rewrite) {
                builder.hash(kv.hash().update(field, string -> string.set(replica, step.result(), timestamp)));
                return builder.build();
            }
            if (fieldIsNew) {
                builder.hash(kv.hash().update(field, string -> string.set(replica, Bytes.ofUtf8("0"), timestamp)));
            }
            builder.hash(kv.hash().update(field, string -> string.incrementByDecimal(replica, step.amount())));
            return builder.build();
        });
        return new Write<>(step.result(), delta);
    }

    /** A float increment worked out: Redis's printed result and the exact decimal to add to reach it. */
    private record FloatStep(Bytes result, java.math.BigDecimal amount) {}

    private static FloatStep floatStep(Optional<Bytes> currentText, Bytes increment, String notAFloat)
            throws KeyspaceException {
        LongDouble current = currentText.isEmpty() ? LongDouble.of(0) : LongDouble.parse(latin1(currentText.get()));
        if (current == null) {
            throw new KeyspaceException(notAFloat);
        }
        LongDouble amount = LongDouble.parse(latin1(increment));
        if (amount == null) {
            throw new KeyspaceException(NOT_A_FLOAT);
        }
        LongDouble sum = current.add(amount);
        if (!sum.isFinite()) {
            throw new KeyspaceException(FLOAT_NOT_FINITE);
        }
        String result = sum.toRedisString();
        java.math.BigDecimal exactCurrent = currentText.isEmpty() ? java.math.BigDecimal.ZERO
                : StringValue.exactDecimal(latin1(currentText.get()));
        return new FloatStep(Bytes.ofUtf8(result), new java.math.BigDecimal(result).subtract(exactCurrent));
    }

    private static String latin1(Bytes bytes) {
        return new String(bytes.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1);
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
     * only {@link #delete} and inspection look at the raw state. A key whose resolved deadline has passed at the
     * time of the current task ({@link #setTaskTime}) is absent.
     */
    private KeyValue lookup(Bytes key) {
        if (isReserved(key)) {
            return null;
        }
        KeyValue value = state.get(key);
        return value == null || value.expiredAt(taskTimeMillis) ? null : value;
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

    // ---- CLAIMS (issue 8)
    // Accepted claims replicate as facts every region can read: each is a string under a reserved key that only the
    // name's authority writes. Reserved keys are invisible to every command (lookup hides them, so KEYS, SCAN,
    // DBSIZE, EXISTS and GET never see them), DEL and FLUSHALL leave them alone, and the front doors refuse a key
    // argument that starts with the reserved prefix, so no client can forge or erase a fact.

    /** Which due keys this replica's active expiry may remove; all, unless the claims say otherwise. */
    private java.util.function.Predicate<Bytes> expiryRemovable = key -> true;

    /**
     * Restricts active expiry to the keys {@code removable} accepts. The replica core leaves the removal of a key
     * claimed by {@code SET NX PX} to the key's authority, so a region whose clock runs ahead cannot end the lease
     * early for everyone; reads still hide the key once its deadline passes by the local clock.
     */
    public void restrictActiveExpiry(java.util.function.Predicate<Bytes> removable) {
        expiryRemovable = java.util.Objects.requireNonNull(removable, "removable");
    }

    /** The first bytes of every reserved key: a NUL byte, which no Redis client library puts first by accident. */
    private static final byte[] RESERVED_PREFIX = {0, 'c', 'a', 'l', 'm', 'd', 'b', ':'};

    /** True when {@code key} is reserved for CalmDB's own facts (claims). */
    public static boolean isReserved(Bytes key) {
        return key.startsWith(RESERVED_PREFIX);
    }

    /** The reserved key {@code RESERVED_PREFIX + area + suffix}, for the replication layer's own facts. */
    public static Bytes reservedKey(String area, byte[] suffix) {
        byte[] areaBytes = area.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] key = new byte[RESERVED_PREFIX.length + areaBytes.length + suffix.length];
        System.arraycopy(RESERVED_PREFIX, 0, key, 0, RESERVED_PREFIX.length);
        System.arraycopy(areaBytes, 0, key, RESERVED_PREFIX.length, areaBytes.length);
        System.arraycopy(suffix, 0, key, RESERVED_PREFIX.length + areaBytes.length, suffix.length);
        return Bytes.copyOf(key);
    }

    /** The string stored under a reserved key, empty when none (reserved keys never expire). */
    public Optional<Bytes> readReserved(Bytes key) {
        requireReserved(key);
        KeyValue value = state.get(key);
        if (value == null || value.kind() != Kind.STRING) {
            return Optional.empty();
        }
        return value.string().value();
    }

    /** Writes the string under a reserved key, replacing what this replica observed there. */
    public Write<Void> writeReserved(Bytes key, Bytes value, long nowMillis) {
        requireReserved(key);
        return set(key, value, nowMillis);
    }

    private static void requireReserved(Bytes key) {
        if (!isReserved(key)) {
            throw new IllegalArgumentException("key " + key + " is not a reserved key");
        }
    }

    private boolean holdsReserved() {
        for (Bytes key : state.keys()) {
            if (isReserved(key)) {
                return true;
            }
        }
        return false;
    }

    // ---- DIFFERENTIAL (issue 9): WATCH sees keys removed by a delta that names no keys
    //
    // A FLUSHALL delta (local, or replicated from another region) removes keys through its causal context alone, so
    // its touchedKeys() is empty and changed() alone would miss them; Redis fails the EXEC of a transaction that
    // watched a key a flush removed. These walk the watched keys only, never the keyspace.

    // A complete (non-partial) delta, such as a FLUSHALL's, removes every key its context has seen without naming it,
    // so its touchedKeys() miss them, and so would the checkpoint: a flushed key kept its old checkpoint, and after
    // the log was truncated a restart brought it back. The core marks these keys dirty too.
    private final List<Bytes> removedUnlisted = new ArrayList<>();

    /** The keys local writes removed without naming them in their deltas (FLUSHALL) since the last call. */
    public List<Bytes> drainKeysRemovedUnlisted() {
        if (removedUnlisted.isEmpty()) {
            return List.of();
        }
        List<Bytes> drained = new ArrayList<>(removedUnlisted);
        removedUnlisted.clear();
        return drained;
    }

    /**
     * Before {@code delta} is merged: the keys it may remove without naming them, every present key when it is a
     * complete state (a FLUSHALL's delta), none for an ordinary partial delta. Its merge visits every key anyway.
     */
    public Set<Bytes> keysAnUnlistingDeltaMayRemove(OrMap<Bytes, KeyValue> delta) {
        return delta.isPartial() ? Set.of() : state.keys();
    }

    /** Bumps the change marker of every watched key that is present now (a local flush is about to remove it). */
    private void touchWatchedPresentKeys() {
        for (Map.Entry<Bytes, ChangeMarker> entry : watched.entrySet()) {
            if (lookup(entry.getKey()) != null) {
                entry.getValue().changes++;
            }
        }
    }

    /** The watched keys present now, to compare with after a merge. */
    private List<Bytes> watchedPresentKeys() {
        if (watched.isEmpty()) {
            return List.of();
        }
        List<Bytes> present = new ArrayList<>();
        for (Bytes key : watched.keySet()) {
            if (lookup(key) != null) {
                present.add(key);
            }
        }
        return present;
    }

    /** Bumps the change marker of each of {@code present} that a merge just removed. */
    private void touchWatchedKeysGone(List<Bytes> present) {
        for (Bytes key : present) {
            ChangeMarker marker = watched.get(key);
            if (marker != null && lookup(key) == null) {
                marker.changes++;
            }
        }
    }

    // ---- COORDINATION: generated IDs and bounded counters (issue 8)
    //
    // Both live in a key's CoordinationSlot: dot-free state, joined by maximum, that a DEL leaves alone (see
    // CoordinationSlot for why). Every coordination write also writes the key's kind register, which gives it a dot:
    // the causal context then records it, so anti-entropy sees a replica that missed it and repairs it. The replica
    // core drives the parts that need other regions (rights transfers).

    /** The most IDs one {@code ID.BATCH} leases: one millisecond's sequences, so a batch is one contiguous range. */
    public static final int ID_BATCH_SIZE_MAX = IdLayout.SEQUENCES_PER_MILLI;

    private int idRegionIndex = -1;

    /**
     * Sets the region index this replica puts in the IDs it generates (the replica core sets it from the cluster's
     * membership; see {@code ReplicaCore.idRegionIndex}).
     */
    public void useIdRegionIndex(int regionIndex) {
        if (regionIndex < 0 || regionIndex >= IdLayout.REGIONS_MAX) {
            throw new IllegalArgumentException("regionIndex must be in [0, " + IdLayout.REGIONS_MAX + "), got "
                    + regionIndex);
        }
        this.idRegionIndex = regionIndex;
    }

    /** {@link #idNext(Bytes, int, long)} with the region index set by {@link #useIdRegionIndex}. */
    public Write<Long> idNext(Bytes namespace, long nowMillis) throws KeyspaceException {
        return idNext(namespace, configuredIdRegionIndex(), nowMillis);
    }

    /** {@link #idBatch(Bytes, int, int, long)} with the region index set by {@link #useIdRegionIndex}. */
    public Write<long[]> idBatch(Bytes namespace, int count, long nowMillis) throws KeyspaceException {
        return idBatch(namespace, configuredIdRegionIndex(), count, nowMillis);
    }

    private int configuredIdRegionIndex() throws KeyspaceException {
        if (idRegionIndex < 0) {
            throw new KeyspaceException("ERR this replica has no ID region index (it is not part of a cluster)");
        }
        return idRegionIndex;
    }

    /**
     * {@code ID.NEXT namespace}: the next ID of this region in {@code namespace} (see {@link IdLayout}), issued at
     * {@code nowMillis} by region index {@code regionIndex}. The delta records the new high-water mark; the caller
     * must make it durable before replying, so a restart never issues the ID again.
     *
     * @throws KeyspaceException when the clock reads earlier than the last ID issued in the namespace (the error
     *     names the gap), when the time field would run more than {@link IdLayout#LEAD_MILLIS_MAX} ahead of the
     *     clock ({@code TRYAGAIN}), when another region uses the same region index, or {@code WRONGTYPE}
     */
    public Write<Long> idNext(Bytes namespace, int regionIndex, long nowMillis) throws KeyspaceException {
        Write<long[]> batch = idBatch(namespace, regionIndex, 1, nowMillis);
        return new Write<>(batch.reply()[0], batch.delta());
    }

    /**
     * {@code ID.BATCH namespace count}: {@code count} consecutive IDs {@code [first, last]} leased to this region, all
     * in one millisecond of the time field (so at most {@link #ID_BATCH_SIZE_MAX}); they are never issued again, by
     * this region or any other. Refuses as {@link #idNext} does.
     */
    public Write<long[]> idBatch(Bytes namespace, int regionIndex, int count, long nowMillis) throws KeyspaceException {
        if (count < 1 || count > ID_BATCH_SIZE_MAX) {
            throw new KeyspaceException("ERR ID.BATCH count must be between 1 and " + ID_BATCH_SIZE_MAX
                    + " (ID_BATCH_SIZE_MAX: one millisecond's sequences), got " + count);
        }
        if (regionIndex < 0 || regionIndex >= IdLayout.REGIONS_MAX) {
            throw new IllegalArgumentException("regionIndex must be in [0, " + IdLayout.REGIONS_MAX + "), got "
                    + regionIndex);
        }
        KeyValue current = coordinationValue(namespace, Kind.ID_NAMESPACE);
        long clockField = nowMillis - IdLayout.EPOCH_MILLIS;
        if (clockField < 0 || clockField > IdLayout.TIME_MILLIS_MAX) {
            throw new KeyspaceException("ERR the clock reads " + nowMillis + " ms since 1970, outside the ID time range"
                    + " (" + IdLayout.EPOCH_MILLIS + " to " + (IdLayout.EPOCH_MILLIS + IdLayout.TIME_MILLIS_MAX) + ")");
        }
        CoordinationSlot.IdMark mark = null;
        // The marks are read from the raw state: an expired namespace key is absent to readers, but its marks are
        // what keeps an ID from being issued twice.
        KeyValue raw = state.get(namespace);
        if (raw != null) {
            for (Map.Entry<ReplicaId, CoordinationSlot.IdMark> other : raw.coordination().marks().entrySet()) {
                if (!other.getKey().equals(replica) && other.getValue().region() == regionIndex) {
                    throw new KeyspaceException("ERR region index " + regionIndex + " is used by both " + replica
                            + " and " + other.getKey() + " in ID namespace '" + namespace.toUtf8()
                            + "': IDs would collide, so none is issued (give every region its own index)");
                }
            }
            mark = raw.coordination().marks().get(replica);
        }
        long idMillis = clockField;
        int sequence = 0;
        if (mark != null) {
            if (nowMillis < mark.clockMillis()) {
                throw new KeyspaceException("ERR clock went backwards: it reads " + (mark.clockMillis() - nowMillis)
                        + " ms earlier than when this region last issued an ID in namespace '" + namespace.toUtf8()
                        + "'; IDs are refused until the clock passes " + mark.clockMillis());
            }
            if (mark.idMillis() >= clockField) {
                idMillis = mark.idMillis();
                sequence = mark.sequence() + 1;
                if (sequence + count > IdLayout.SEQUENCES_PER_MILLI) {
                    // The millisecond is used up: move on to the next one without waiting for the clock.
                    idMillis++;
                    sequence = 0;
                }
            }
        }
        if (idMillis - clockField > IdLayout.LEAD_MILLIS_MAX || idMillis > IdLayout.TIME_MILLIS_MAX) {
            throw new KeyspaceException("TRYAGAIN ID namespace '" + namespace.toUtf8() + "' used up "
                    + IdLayout.SEQUENCES_PER_MILLI + " IDs per millisecond for " + IdLayout.LEAD_MILLIS_MAX
                    + " ms ahead of the clock (LEAD_MILLIS_MAX); retry in a millisecond");
        }
        CoordinationSlot.IdMark next = new CoordinationSlot.IdMark(regionIndex,
                mark == null ? nowMillis : Math.max(mark.clockMillis(), nowMillis), idMillis, sequence + count - 1);
        boolean expired = raw != null && current == null;
        OrMap<Bytes, KeyValue> delta = state.update(namespace, value -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            if (expired) {
                value.clearInto(builder);
            }
            builder.kind(value.kindSlot().write(replica, Kind.ID_NAMESPACE.code(), clock.now(nowMillis)));
            return builder.coordination(value.coordination().mark(replica, next)).build();
        });
        long first = IdLayout.compose(idMillis, regionIndex, sequence);
        return new Write<>(new long[] {first, first + count - 1}, delta);
    }

    /**
     * {@code BC.INIT key value [MIN floor]}: a new bounded counter holding {@code value}, never to go below
     * {@code floor}; this region holds all {@code value - floor} rights at first. Returns the value.
     *
     * @throws KeyspaceException when the key already holds a bounded counter, when {@code value < floor}, on
     *     overflow, or {@code WRONGTYPE}
     */
    public Write<Long> boundedInit(Bytes key, long value, long floor, long nowMillis) throws KeyspaceException {
        KeyValue current = coordinationValue(key, Kind.BOUNDED_COUNTER);
        KeyValue raw = state.get(key);
        if (raw != null && raw.coordination().isBounded()) {
            throw new KeyspaceException("ERR bounded counter '" + key.toUtf8() + "' already exists (value "
                    + boundedValueOf(raw) + ", MIN " + raw.coordination().floor() + "); use BC.INCRBY to add to it");
        }
        if (value < floor) {
            throw new KeyspaceException("ERR value " + value + " is below MIN " + floor);
        }
        long rights;
        try {
            rights = Math.subtractExact(value, floor);
        } catch (ArithmeticException e) {
            throw new KeyspaceException(KeyspaceException.OVERFLOW);
        }
        boolean expired = raw != null && current == null;
        OrMap<Bytes, KeyValue> delta = state.update(key, kv -> {
            KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
            if (expired) {
                kv.clearInto(builder);
            }
            builder.kind(kv.kindSlot().write(replica, Kind.BOUNDED_COUNTER.code(), clock.now(nowMillis)));
            return builder.coordination(kv.coordination().initBounded(replica, floor, rights)).build();
        });
        return new Write<>(boundedValueOf(state.get(key)), delta);
    }

    /** {@code BC.INCRBY key amount} ({@code amount > 0}): this region gains {@code amount} rights; returns the value. */
    public Write<Long> boundedIncrement(Bytes key, long amount, long nowMillis) throws KeyspaceException {
        if (amount <= 0) {
            throw new KeyspaceException("ERR BC.INCRBY amount must be > 0 (BC.DECRBY decrements), got " + amount);
        }
        KeyValue current = requireBounded(key);
        try {
            Math.addExact(boundedValueOf(current), amount);
            BoundedCounter counter = current.coordination().counter();
            BoundedCounter counterDelta = counter.increment(replica, amount);
            OrMap<Bytes, KeyValue> delta = boundedWrite(key, counterDelta, nowMillis);
            return new Write<>(boundedValueOf(current), delta);
        } catch (ArithmeticException e) {
            throw new KeyspaceException(KeyspaceException.OVERFLOW);
        }
    }

    /**
     * {@code BC.DECRBY key amount} ({@code amount > 0}) within this region's rights: spends them and returns the value.
     *
     * @throws InsufficientRightsException when this region holds fewer than {@code amount} rights (nothing changed)
     */
    public Write<Long> boundedDecrement(Bytes key, long amount, long nowMillis)
            throws KeyspaceException, InsufficientRightsException {
        if (amount <= 0) {
            throw new KeyspaceException("ERR BC.DECRBY amount must be > 0 (BC.INCRBY increments), got " + amount);
        }
        KeyValue current = requireBounded(key);
        BoundedCounter counterDelta = current.coordination().counter().decrement(replica, amount);
        OrMap<Bytes, KeyValue> delta = boundedWrite(key, counterDelta, nowMillis);
        return new Write<>(boundedValueOf(current), delta);
    }

    /**
     * Gives up to {@code amount} of this region's rights on {@code key} to {@code to} (a rights transfer, a replicated
     * state change: it can be delivered any number of times and moves the rights once). Returns how many moved (0,
     * with no delta, when this region holds none or the key is not a bounded counter).
     */
    public Write<Long> boundedTransfer(Bytes key, ReplicaId to, long amount, long nowMillis) {
        KeyValue current = lookup(key);
        if (current == null || current.kind() != Kind.BOUNDED_COUNTER || amount <= 0) {
            return new Write<>(0L, null);
        }
        long moving = Math.min(amount, current.coordination().counter().rights(replica));
        if (moving <= 0) {
            return new Write<>(0L, null);
        }
        BoundedCounter counterDelta;
        try {
            counterDelta = current.coordination().counter().transfer(replica, to, moving);
        } catch (InsufficientRightsException | ArithmeticException e) {
            return new Write<>(0L, null);
        }
        return new Write<>(moving, boundedWrite(key, counterDelta, nowMillis));
    }

    /** {@code BC.GET key}: the value as this region sees it, or null when the key holds no bounded counter. */
    public Long boundedGet(Bytes key) throws KeyspaceException {
        KeyValue current = coordinationValue(key, Kind.BOUNDED_COUNTER);
        return current == null ? null : boundedValueOf(current);
    }

    /** The floor ({@code MIN}) of the bounded counter at {@code key}, or null when there is none. */
    public Long boundedFloor(Bytes key) throws KeyspaceException {
        KeyValue current = coordinationValue(key, Kind.BOUNDED_COUNTER);
        return current == null ? null : current.coordination().floor();
    }

    /** {@code BC.RIGHTS key}: the rights of every region this replica knows of (its own exact, others' lagging). */
    public Map<ReplicaId, Long> boundedRights(Bytes key) throws KeyspaceException {
        KeyValue current = coordinationValue(key, Kind.BOUNDED_COUNTER);
        return current == null ? Map.of() : current.coordination().counter().rightsByReplica();
    }

    /** The rights this region holds on {@code key} (0 when it is not a bounded counter). */
    public long boundedLocalRights(Bytes key) {
        KeyValue current = lookup(key);
        return current == null || current.kind() != Kind.BOUNDED_COUNTER ? 0
                : current.coordination().counter().rights(replica);
    }

    /** The rights {@code from} has transferred to {@code to} on {@code key} in total, as this replica knows. */
    public long boundedTransferred(Bytes key, ReplicaId from, ReplicaId to) {
        KeyValue current = lookup(key);
        if (current == null || current.kind() != Kind.BOUNDED_COUNTER) {
            return 0;
        }
        Map<ReplicaId, Long> row = current.coordination().counter().rightsMatrix().get(from);
        return row == null ? 0 : row.getOrDefault(to, 0L);
    }

    /** The key's delta for a bounded-counter change already made: the counter delta and a kind-register write. */
    private OrMap<Bytes, KeyValue> boundedWrite(Bytes key, BoundedCounter counterDelta, long nowMillis) {
        HlcTimestamp timestamp = clock.now(nowMillis);
        return state.update(key, kv -> new KeyValue.DeltaBuilder()
                .kind(kv.kindSlot().write(replica, Kind.BOUNDED_COUNTER.code(), timestamp))
                .coordination(kv.coordination().boundedDelta(counterDelta)).build());
    }

    private KeyValue requireBounded(Bytes key) throws KeyspaceException {
        KeyValue current = coordinationValue(key, Kind.BOUNDED_COUNTER);
        if (current == null) {
            throw new KeyspaceException("ERR no bounded counter at '" + key.toUtf8() + "'; create it with BC.INIT");
        }
        return current;
    }

    /** The key's value when it is of {@code kind}, null when absent; {@code WRONGTYPE} when of another kind. */
    private KeyValue coordinationValue(Bytes key, Kind kind) throws KeyspaceException {
        KeyValue value = lookup(key);
        if (value == null || value.kind() == null) {
            return null;
        }
        requireKind(value, kind);
        return value;
    }

    private static long boundedValueOf(KeyValue value) {
        return value.coordination().floor() + value.coordination().counter().value();
    }
}
