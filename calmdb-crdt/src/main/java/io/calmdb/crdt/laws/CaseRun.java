package io.calmdb.crdt.laws;

import io.calmdb.crdt.Crdt;
import io.calmdb.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Executes one case step by step against real replica states, checking the laws after every step and at the
 * end. It holds no randomness: the same steps always produce the same states, checks and trace, which is what
 * makes a case replayable and shrinkable.
 *
 * <p>After each step the replica that changed is checked against the others (commutativity, associativity,
 * idempotence, codec round trip), so a broken merge is caught at the first step that exposes it, and the
 * shrinker can cut everything after that step.
 */
final class CaseRun<T extends Crdt<T>, O> {
    /** Characters of a state's {@code toString} kept in one trace line, so a large state cannot flood a report. */
    static final int TRACE_VALUE_CHARACTERS_MAX = 240;
    /** Characters of a state's {@code toString} kept in a failure's detail. */
    static final int DETAIL_VALUE_CHARACTERS_MAX = 1_200;
    /** Encoded bytes shown in hexadecimal in a failure's detail. */
    static final int DETAIL_BYTES_MAX = 64;

    private record Produced<T>(T delta, T pristine, int origin, BitSet causalPast) {}

    /** Thrown by a failed check to unwind to {@link #execute}; carries no stack trace because it is expected. */
    private static final class Violation extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final Law law;

        Violation(Law law, String detail) {
            super(detail, null, false, false);
            this.law = law;
        }
    }

    private final CrdtModel<T, O> model;
    private final boolean causalDelivery;
    private final ReplicaId[] replicas;
    private final List<T> states;
    private final BitSet[] seen;
    private final TreeMap<Integer, Produced<T>> deltas = new TreeMap<>();
    private final Set<Long> delivered = new HashSet<>();
    private final List<Long> pending = new ArrayList<>();
    private final Map<Long, Integer> pendingIndex = new HashMap<>();
    private final List<Event<O>> events = new ArrayList<>();
    private final List<String> trace;
    private int operationsAccepted;
    private int operationsRefused;

    /**
     * @param causalDelivery when true, a delta is delivered only to a replica that has seen the delta's causal
     *     past, as CalmDB's causal broadcast guarantees; a delivery that is not ready is skipped (only shrinking
     *     produces one, and the final drain brings the delta later). When false, deltas arrive in any order.
     */
    CaseRun(CrdtModel<T, O> model, int replicaCount, boolean causalDelivery, boolean tracing) {
        this.model = model;
        this.causalDelivery = causalDelivery;
        this.replicas = replicaIds(replicaCount);
        this.states = new ArrayList<>(replicaCount);
        this.seen = new BitSet[replicaCount];
        for (int i = 0; i < replicaCount; i++) {
            T empty = Objects.requireNonNull(model.empty(), "model.empty() must not return null");
            for (T earlier : states) {
                if (earlier == empty) {
                    throw new IllegalStateException("model.empty() must return a new object on every call");
                }
            }
            states.add(empty);
            seen[i] = new BitSet();
        }
        this.trace = tracing ? new ArrayList<>() : null;
    }

    static ReplicaId[] replicaIds(int count) {
        ReplicaId[] ids = new ReplicaId[count];
        for (int i = 0; i < count; i++) {
            ids[i] = ReplicaId.of("r" + (i + 1));
        }
        return ids;
    }

    int replicaCount() {
        return replicas.length;
    }

    ReplicaId replica(int index) {
        return replicas[index];
    }

    T state(int replica) {
        return states.get(replica);
    }

    boolean hasEvent(int eventId) {
        return deltas.containsKey(eventId);
    }

    List<Integer> eventIds() {
        return new ArrayList<>(deltas.keySet());
    }

    int origin(int eventId) {
        return deltas.get(eventId).origin();
    }

    /** Deliveries not yet made, each packed as {@code eventId * REPLICAS_LIMIT + target}. */
    List<Long> pendingDeliveries() {
        return pending;
    }

    /** The pending deliveries that may happen now: all of them, or under causal delivery the ready ones. */
    List<Long> deliverableNow() {
        if (!causalDelivery) {
            return pending;
        }
        List<Long> ready = new ArrayList<>();
        for (long key : pending) {
            if (isReady(deliveryEvent(key), deliveryTarget(key))) {
                ready.add(key);
            }
        }
        return ready;
    }

    /** True when {@code target} may receive the delta of {@code eventId} now under this run's delivery order. */
    boolean isReady(int eventId, int target) {
        if (!causalDelivery) {
            return true;
        }
        BitSet past = deltas.get(eventId).causalPast();
        for (int id = past.nextSetBit(0); id >= 0; id = past.nextSetBit(id + 1)) {
            if (!seen[target].get(id)) {
                return false;
            }
        }
        return true;
    }

    boolean causalDelivery() {
        return causalDelivery;
    }

    static long deliveryKey(int eventId, int target) {
        return (long) eventId * LawConfig.REPLICAS_LIMIT + target;
    }

    static int deliveryEvent(long key) {
        return (int) (key / LawConfig.REPLICAS_LIMIT);
    }

    static int deliveryTarget(long key) {
        return (int) (key % LawConfig.REPLICAS_LIMIT);
    }

    int operationsAccepted() {
        return operationsAccepted;
    }

    int operationsRefused() {
        return operationsRefused;
    }

    List<String> trace() {
        return trace;
    }

    /** Runs one step; returns the first law it violates, or null. */
    Failure execute(Step<O> step, int stepIndex) {
        try {
            switch (step) {
                case Step.Operate<O> operate -> operate(operate);
                case Step.Deliver<O> deliver -> deliver(deliver.eventId(), deliver.target(), "");
                case Step.MergeState<O> merge -> mergeState(merge.source(), merge.target());
            }
            return null;
        } catch (Violation violation) {
            return new Failure(violation.law, violation.getMessage(), stepIndex, null);
        } catch (RuntimeException | AssertionError thrown) {
            return new Failure(Law.NO_EXCEPTION, "threw " + thrown, stepIndex, thrown);
        }
    }

    /** Delivers every delta that has not reached every replica, in event order, then runs the end checks. */
    Failure finish(int stepIndex) {
        try {
            for (int eventId : deltas.keySet()) {
                for (int target = 0; target < replicas.length; target++) {
                    if (!delivered.contains(deliveryKey(eventId, target))) {
                        deliver(eventId, target, "final drain: ");
                    }
                }
            }
            checkConvergence();
            return null;
        } catch (Violation violation) {
            return new Failure(violation.law, violation.getMessage(), stepIndex, null);
        } catch (RuntimeException | AssertionError thrown) {
            return new Failure(Law.NO_EXCEPTION, "threw " + thrown, stepIndex, thrown);
        }
    }

    private void operate(Step.Operate<O> step) {
        int replica = step.replica();
        int eventId = step.eventId();
        T state = states.get(replica);
        T before = state.copy();
        require(before != state && before.equals(state), Law.COPY_IS_INDEPENDENT,
                () -> "copy() of " + replicas[replica] + " returned the same object or an unequal state: "
                        + show(before) + " versus " + show(state));
        byte[] beforeBytes = encode(before);
        T delta = model.apply(state, replicas[replica], step.operation());
        require(Arrays.equals(encode(before), beforeBytes), Law.COPY_IS_INDEPENDENT,
                () -> "mutating " + replicas[replica] + " changed a copy() taken before the mutation: now "
                        + show(before));
        if (delta == null) {
            operationsRefused++;
            record("#" + eventId + " at " + replicas[replica] + ": " + step.operation() + " -> refused");
            require(state.equals(before), Law.DELTA_EQUALS_MUTATION,
                    () -> "the operation was refused (apply returned null) but changed " + replicas[replica]
                            + " from " + show(before) + " to " + show(state));
            return;
        }
        operationsAccepted++;
        events.add(new Event<>(eventId, replicas[replica], step.operation(), ids(seen[replica])));
        BitSet causalPast = (BitSet) seen[replica].clone();
        seen[replica].set(eventId);
        deltas.put(eventId, new Produced<>(delta, delta.copy(), replica, causalPast));
        delivered.add(deliveryKey(eventId, replica));
        for (int target = 0; target < replicas.length; target++) {
            if (target != replica) {
                addPending(deliveryKey(eventId, target));
            }
        }
        record("#" + eventId + " at " + replicas[replica] + ": " + step.operation() + " -> delta "
                + brief(delta) + "; " + replicas[replica] + " = " + brief(state));
        require(delta != state, Law.DELTA_IS_INDEPENDENT,
                () -> "apply returned the replica's state itself instead of a separate delta");
        roundTrip(delta, "the delta of #" + eventId);
        checkLatticeAround(replica, delta, "the delta of #" + eventId);
        T viaDelta = before.copy().merge(delta);
        require(viaDelta.equals(state), Law.DELTA_EQUALS_MUTATION,
                () -> "merging the delta of #" + eventId + " into the state before it gives " + show(viaDelta)
                        + " but the mutation gave " + show(state) + " (before: " + show(before) + ", delta: "
                        + show(delta) + ")");
    }

    private void deliver(int eventId, int target, String note) {
        Produced<T> produced = deltas.get(eventId);
        if (produced == null) {
            record(note + "deliver #" + eventId + " to " + replicas[target] + ": skipped, no such delta");
            return;
        }
        if (!isReady(eventId, target)) {
            record(note + "deliver #" + eventId + " to " + replicas[target] + ": skipped, its causal past has not"
                    + " arrived");
            return;
        }
        require(produced.delta().equals(produced.pristine()), Law.DELTA_IS_INDEPENDENT,
                () -> "the delta of #" + eventId + " changed after it was produced (the state that produced it, or a"
                        + " state it was merged into, still shares its structure): now " + show(produced.delta())
                        + ", was " + show(produced.pristine()));
        T state = states.get(target);
        T result = state.merge(produced.delta());
        record(note + "deliver #" + eventId + " to " + replicas[target] + "; " + replicas[target] + " = "
                + brief(state));
        require(result == state, Law.MERGE_RETURNS_RECEIVER,
                () -> "merge returned a different object than the state it was called on");
        require(produced.delta().equals(produced.pristine()), Law.MERGE_LEAVES_ARGUMENT_UNCHANGED,
                () -> "merging the delta of #" + eventId + " into " + replicas[target] + " changed the delta to "
                        + show(produced.delta()) + ", was " + show(produced.pristine()));
        seen[target].set(eventId);
        long key = deliveryKey(eventId, target);
        delivered.add(key);
        removePending(key);
        checkLatticeAround(target, null, null);
    }

    private void mergeState(int source, int target) {
        if (source == target) {
            record("merge " + replicas[source] + " into itself: skipped");
            return;
        }
        T from = states.get(source);
        T fromBefore = from.copy();
        T state = states.get(target);
        T result = state.merge(from);
        record("merge full state of " + replicas[source] + " into " + replicas[target] + "; " + replicas[target]
                + " = " + brief(state));
        require(result == state, Law.MERGE_RETURNS_RECEIVER,
                () -> "merge returned a different object than the state it was called on");
        require(from.equals(fromBefore), Law.MERGE_LEAVES_ARGUMENT_UNCHANGED,
                () -> "merging " + replicas[source] + " into " + replicas[target] + " changed " + replicas[source]
                        + " to " + show(from) + ", was " + show(fromBefore));
        seen[target].or(seen[source]);
        checkLatticeAround(target, null, null);
    }

    /**
     * Checks the lattice laws between the replica that just changed, the other replicas' current states and,
     * after an operation, its delta. These are states the run really reached, which is where bugs hide: a merge
     * that is fine on empty or equal states but not on a state with a gap in its causal context.
     */
    private void checkLatticeAround(int changed, T delta, String deltaLabel) {
        T state = states.get(changed);
        String label = "the state of " + replicas[changed];
        roundTrip(state, label);
        checkIdempotent(state, label);
        if (delta != null) {
            checkIdempotent(delta, deltaLabel);
        }
        for (int other = 0; other < replicas.length; other++) {
            if (other != changed) {
                String otherLabel = "the state of " + replicas[other];
                checkCommutative(state, label, states.get(other), otherLabel);
                if (delta != null) {
                    checkCommutative(delta, deltaLabel, states.get(other), otherLabel);
                }
            }
        }
        if (replicas.length >= 3) {
            int first = (changed + 1) % replicas.length;
            int second = (changed + 2) % replicas.length;
            String firstLabel = "the state of " + replicas[first];
            String secondLabel = "the state of " + replicas[second];
            checkAssociative(state, label, states.get(first), firstLabel, states.get(second), secondLabel);
            if (delta != null) {
                checkAssociative(states.get(first), firstLabel, delta, deltaLabel, states.get(second), secondLabel);
            }
        }
    }

    private void checkIdempotent(T a, String label) {
        T twice = a.copy().merge(a);
        require(twice.equals(a), Law.MERGE_IDEMPOTENT,
                () -> label + " merged with itself became " + show(twice) + ", expected it unchanged: " + show(a));
    }

    private void checkCommutative(T a, String aLabel, T b, String bLabel) {
        T ab = a.copy().merge(b);
        T ba = b.copy().merge(a);
        require(ab.equals(ba), Law.MERGE_COMMUTATIVE,
                () -> "merging " + bLabel + " into " + aLabel + " gives " + show(ab) + " but merging " + aLabel
                        + " into " + bLabel + " gives " + show(ba) + " (" + aLabel + ": " + show(a) + ", " + bLabel
                        + ": " + show(b) + ")");
        require(ab.hashCode() == ba.hashCode(), Law.HASH_CODE_MATCHES_EQUALS,
                () -> "two equal states have hash codes " + ab.hashCode() + " and " + ba.hashCode() + ": "
                        + show(ab));
        byte[] abBytes = encode(ab);
        byte[] baBytes = encode(ba);
        require(Arrays.equals(abBytes, baBytes), Law.IDENTICAL_BYTES,
                () -> "two equal states, " + aLabel + " merged with " + bLabel + " in either order, encode to "
                        + hex(abBytes) + " and " + hex(baBytes) + ": " + show(ab));
    }

    private void checkAssociative(T a, String aLabel, T b, String bLabel, T c, String cLabel) {
        T left = a.copy().merge(b).merge(c);
        T right = a.copy().merge(b.copy().merge(c));
        require(left.equals(right), Law.MERGE_ASSOCIATIVE,
                () -> "with a = " + aLabel + ", b = " + bLabel + ", c = " + cLabel + ": (a merge b) merge c gives "
                        + show(left) + " but a merge (b merge c) gives " + show(right) + " (a: " + show(a) + ", b: "
                        + show(b) + ", c: " + show(c) + ")");
    }

    private void checkConvergence() {
        T first = states.get(0);
        byte[] firstBytes = encode(first);
        Object firstValue = model.value(first);
        for (int i = 1; i < replicas.length; i++) {
            T other = states.get(i);
            int index = i;
            require(other.equals(first), Law.CONVERGENCE,
                    () -> "after every delta reached every replica, " + replicas[0] + " = " + show(first) + " but "
                            + replicas[index] + " = " + show(other));
            require(other.hashCode() == first.hashCode(), Law.HASH_CODE_MATCHES_EQUALS,
                    () -> "the converged states of " + replicas[0] + " and " + replicas[index]
                            + " are equal but have hash codes " + first.hashCode() + " and " + other.hashCode());
            byte[] otherBytes = encode(other);
            require(Arrays.equals(otherBytes, firstBytes), Law.IDENTICAL_BYTES,
                    () -> "the converged states of " + replicas[0] + " and " + replicas[index]
                            + " are equal but encode to " + hex(firstBytes) + " and " + hex(otherBytes));
            Object otherValue = model.value(other);
            require(Objects.equals(otherValue, firstValue), Law.CONVERGENCE,
                    () -> "the converged states are equal but " + replicas[0] + " reads "
                            + describe(firstValue, otherValue) + " and " + replicas[index] + " reads "
                            + describe(otherValue, firstValue));
        }
        roundTrip(first, "the converged state");
        if (!causalDelivery) {
            // With deltas arriving before their causal past, a replica may issue an operation from a state that
            // no causal execution could reach, so the sequential specification says nothing about the result.
            record("end: all " + replicas.length + " replicas equal, value " + brief(firstValue)
                    + " (unordered delivery: oracle not consulted)");
            return;
        }
        List<Event<O>> history = List.copyOf(events);
        Object expected = model.oracleValue(history);
        require(Objects.equals(firstValue, expected), Law.ORACLE,
                () -> "the replicas converged to the value " + describe(firstValue, expected)
                        + " but the oracle expects " + describe(expected, firstValue) + " (converged state: "
                        + show(first) + "); the oracle's history: " + show(history));
        record("end: all " + replicas.length + " replicas equal, value " + brief(firstValue) + ", oracle agrees");
    }

    private void roundTrip(T state, String label) {
        byte[] bytes = encode(state);
        T decoded;
        try {
            decoded = model.decode(bytes.clone());
        } catch (Exception e) {
            throw new Violation(Law.CODEC_ROUND_TRIP, label + " does not decode from its own encoding "
                    + hex(bytes) + ": " + e + " (state: " + show(state) + ")");
        }
        T result = decoded;
        require(state.equals(result), Law.CODEC_ROUND_TRIP,
                () -> label + " decodes to " + show(result) + ", not to itself: " + show(state));
        byte[] again = encode(result);
        require(Arrays.equals(bytes, again), Law.CODEC_ROUND_TRIP,
                () -> label + " encodes to " + hex(bytes) + " but its decoded copy encodes to " + hex(again));
    }

    private byte[] encode(T state) {
        return Objects.requireNonNull(model.encode(state), "model.encode must not return null");
    }

    private void addPending(long key) {
        if (!pendingIndex.containsKey(key)) {
            pendingIndex.put(key, pending.size());
            pending.add(key);
        }
    }

    /** Removes in constant time by moving the last pending delivery into the hole; order is not significant. */
    private void removePending(long key) {
        Integer index = pendingIndex.remove(key);
        if (index == null) {
            return;
        }
        long last = pending.remove(pending.size() - 1);
        if (index < pending.size()) {
            pending.set(index, last);
            pendingIndex.put(last, index);
        }
    }

    private void record(String line) {
        if (trace != null) {
            trace.add(line);
        }
    }

    private static Set<Integer> ids(BitSet bits) {
        Set<Integer> ids = new HashSet<>();
        for (int id = bits.nextSetBit(0); id >= 0; id = bits.nextSetBit(id + 1)) {
            ids.add(id);
        }
        return ids;
    }

    private static void require(boolean condition, Law law, Supplier<String> detail) {
        if (!condition) {
            throw new Violation(law, detail.get());
        }
    }

    private String brief(Object value) {
        return truncate(String.valueOf(value), TRACE_VALUE_CHARACTERS_MAX);
    }

    private static String show(Object value) {
        return truncate(String.valueOf(value), DETAIL_VALUE_CHARACTERS_MAX);
    }

    /**
     * Shows a value, adding its class when it prints like the value it is compared with, since {@code 3}
     * (Integer) and {@code 3} (Long) look alike but are not equal.
     */
    private static String describe(Object value, Object comparedWith) {
        String shown = show(value);
        boolean printsAlike = value != null && shown.equals(String.valueOf(comparedWith));
        return printsAlike ? shown + " (" + value.getClass().getName() + ")" : shown;
    }

    private static String truncate(String text, int charactersMax) {
        return text.length() <= charactersMax ? text
                : text.substring(0, charactersMax) + "... (" + text.length() + " characters)";
    }

    private static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        int shown = Math.min(bytes.length, DETAIL_BYTES_MAX);
        for (int i = 0; i < shown; i++) {
            out.append(String.format("%02x", bytes[i] & 0xFF));
        }
        if (bytes.length > shown) {
            out.append("... (").append(bytes.length).append(" bytes)");
        }
        return out.toString();
    }
}
