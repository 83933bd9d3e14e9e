package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.CausalCounter;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.StateCodec;
import io.calmdb.crdt.ValueCodec;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class OrMapLawsTest {
    sealed interface MapOperation {}

    /** Adds {@code amount} (-5 to 5, never 0) to the counter at {@code key}. */
    record Update(String key, long amount) implements MapOperation {}

    record Remove(String key) implements MapOperation {}

    record Clear() implements MapOperation {}

    static final List<String> KEYS = List.of("k1", "k2", "k3");
    static final StateCodec<OrMap<String, CausalCounter>> CODEC =
            OrMap.codec(ValueCodec.STRING, CausalCounter.type());

    static final class Model implements CrdtModel<OrMap<String, CausalCounter>, MapOperation> {
        @Override
        public String name() {
            return "OrMap<String, CausalCounter>";
        }

        @Override
        public OrMap<String, CausalCounter> empty() {
            return new OrMap<>(CausalCounter.type());
        }

        @Override
        public MapOperation randomOperation(RandomGenerator random, ReplicaId replica,
                OrMap<String, CausalCounter> state) {
            int roll = random.nextInt(100);
            String key = KEYS.get(random.nextInt(KEYS.size()));
            if (roll < 65) {
                long amount = 1 + random.nextInt(5);
                return new Update(key, random.nextBoolean() ? amount : -amount);
            }
            return roll < 93 ? new Remove(key) : new Clear();
        }

        @Override
        public OrMap<String, CausalCounter> apply(OrMap<String, CausalCounter> state, ReplicaId replica,
                MapOperation operation) {
            return switch (operation) {
                case Update update when update.amount() > 0 ->
                        state.update(update.key(), counter -> counter.increment(replica, update.amount()));
                case Update update ->
                        state.update(update.key(), counter -> counter.decrement(replica, -update.amount()));
                case Remove remove -> state.remove(remove.key());
                case Clear clear -> state.clear();
            };
        }

        @Override
        public Object value(OrMap<String, CausalCounter> state) {
            Map<String, Long> value = new TreeMap<>();
            for (String key : state.keys()) {
                value.put(key, state.get(key).value());
            }
            return value;
        }

        @Override
        public byte[] encode(OrMap<String, CausalCounter> state) {
            return Codecs.encode(CODEC, state);
        }

        @Override
        public OrMap<String, CausalCounter> decode(byte[] bytes) throws Exception {
            return Codecs.decode(CODEC, bytes);
        }

        /**
         * Each key behaves as its own resettable counter whose resets are the removes of that key and the clears:
         * present iff some replica's latest update of it survives, with add-wins keys as a consequence.
         */
        @Override
        public Object oracleValue(List<Event<MapOperation>> history) {
            Map<String, Long> value = new TreeMap<>();
            TreeSet<String> keys = new TreeSet<>();
            history.forEach(event -> {
                if (event.operation() instanceof Update update) {
                    keys.add(update.key());
                }
            });
            for (String key : keys) {
                List<Event<MapOperation>> ofKey = Oracles.only(history, operation -> switch (operation) {
                    case Update update -> update.key().equals(key);
                    case Remove remove -> remove.key().equals(key);
                    case Clear clear -> true;
                });
                OptionalLong counter = CausalCounterLawsTest.resettableCounter(ofKey,
                        operation -> ((Update) operation).amount(), operation -> !(operation instanceof Update));
                counter.ifPresent(total -> value.put(key, total));
            }
            return value;
        }
    }

    @Test
    void orMapOfCounters_obeysEveryLaw_inAThousandRandomCases_withAddWinsKeysAndObservedRemove() {
        LawChecker.Summary summary = LawChecker.check(new Model());

        assertThat(summary.cases()).isEqualTo(1_000);
        assertThat(summary.operationsAccepted()).isGreaterThan(5_000);
    }
}
