package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.CausalCounter;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.ReplicaId;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class CausalCounterLawsTest {
    sealed interface CounterOperation {}

    /** A change of -5 to 5, never 0. */
    record Change(long amount) implements CounterOperation {}

    record Reset() implements CounterOperation {}

    /**
     * The documented semantics of a resettable counter (Riak's embedded counter): each replica has one entry, its
     * latest update carrying the replica's running total since its entry was last reset under it; a reset removes
     * the entries it has seen, so an update concurrent with a reset survives with its whole running total.
     *
     * @param change an update's change, used only for events that {@code isReset} rejects
     * @return the value, or empty when no entry survives (for a map: the key is absent)
     */
    static <O> OptionalLong resettableCounter(List<Event<O>> history, ToLongFunction<O> change,
            Predicate<O> isReset) {
        List<Event<O>> resets = history.stream().filter(event -> isReset.test(event.operation())).toList();
        Map<Integer, Long> runningTotals = new HashMap<>();
        Map<ReplicaId, Event<O>> latest = new LinkedHashMap<>();
        for (Event<O> update : history) {
            if (isReset.test(update.operation())) {
                continue;
            }
            Event<O> previous = latest.get(update.replica());
            boolean previousReset = previous != null && resets.stream()
                    .anyMatch(reset -> update.hasSeen(reset) && reset.hasSeen(previous));
            long base = previous == null || previousReset ? 0 : runningTotals.get(previous.id());
            runningTotals.put(update.id(), base + change.applyAsLong(update.operation()));
            latest.put(update.replica(), update);
        }
        long value = 0;
        boolean anySurvives = false;
        for (Event<O> entry : latest.values()) {
            if (resets.stream().noneMatch(reset -> reset.hasSeen(entry))) {
                value += runningTotals.get(entry.id());
                anySurvives = true;
            }
        }
        return anySurvives ? OptionalLong.of(value) : OptionalLong.empty();
    }

    static final class Model implements CrdtModel<CausalCounter, CounterOperation> {
        @Override
        public String name() {
            return "CausalCounter";
        }

        @Override
        public CausalCounter empty() {
            return new CausalCounter();
        }

        @Override
        public CounterOperation randomOperation(RandomGenerator random, ReplicaId replica, CausalCounter state) {
            if (random.nextInt(8) == 0) {
                return new Reset();
            }
            long amount = 1 + random.nextInt(5);
            return new Change(random.nextBoolean() ? amount : -amount);
        }

        @Override
        public CausalCounter apply(CausalCounter state, ReplicaId replica, CounterOperation operation) {
            return switch (operation) {
                case Change change when change.amount() > 0 -> state.increment(replica, change.amount());
                case Change change -> state.decrement(replica, -change.amount());
                case Reset reset -> state.reset();
            };
        }

        @Override
        public Object value(CausalCounter state) {
            return state.value();
        }

        @Override
        public byte[] encode(CausalCounter state) {
            return Codecs.encode(CausalCounter.codec(), state);
        }

        @Override
        public CausalCounter decode(byte[] bytes) throws Exception {
            return Codecs.decode(CausalCounter.codec(), bytes);
        }

        @Override
        public Object oracleValue(List<Event<CounterOperation>> history) {
            return resettableCounter(history, operation -> ((Change) operation).amount(),
                    operation -> operation instanceof Reset).orElse(0);
        }
    }

    @Test
    void causalCounter_obeysEveryLaw_inAThousandRandomCases_withObservedResets() {
        LawChecker.Summary summary = LawChecker.check(new Model());

        assertThat(summary.cases()).isEqualTo(1_000);
        assertThat(summary.operationsAccepted()).isGreaterThan(5_000);
    }
}
