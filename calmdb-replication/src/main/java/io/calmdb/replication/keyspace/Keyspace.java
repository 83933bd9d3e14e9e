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
        indexDeadlines(delta);
    }

    /**
     * Joins a delta from another region and advances this replica's hybrid logical clock past the newest write it
     * carries, so a later local write that has seen it always orders after it, whatever the clocks' skew. A
     * timestamp further ahead of {@code nowMillis} than the clock's drift bound is not adopted (the delta still
     * applies: refusing a replicated delta would break convergence); {@link #clockDriftRejections()} counts them.
     */
    public void applyRemote(OrMap<Bytes, KeyValue> delta, long nowMillis) {
        state.merge(delta);
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
        for (int visited = 0; visited < keysMax && !dueByDeadline.isEmpty(); visited++) {
            Due first = dueByDeadline.first();
            if (first.deadlineMillis() >= nowMillis) {
                break;
            }
            Long actual = indexPosition(state.get(first.key()));
            if (actual == null || actual != first.deadlineMillis()) {
                // A join the index did not see (a state transfer's removals) moved it; the entry is put right.
                reindex(first.key());
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

    // ------------------------------------------------------------------------------------------------------

    /**
     * The value of {@code key} as commands see it, or null when the key holds nothing. Every read and every
     * read-modify-write goes through here, so a rule about what is visible (key expiry, for one) lives in one place;
     * only {@link #delete} and inspection look at the raw state. A key whose resolved deadline has passed at the
     * time of the current task ({@link #setTaskTime}) is absent.
     */
    private KeyValue lookup(Bytes key) {
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
}
