package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.CausalCounter;
import io.calmdb.crdt.CausalDecimalCounter;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.ReplicaId;
import java.math.BigDecimal;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The decimal counter behind INCRBYFLOAT obeys the lattice laws and the resettable-counter semantics of
 * {@link CausalCounterLawsTest#resettableCounter}, with amounts in hundredths; and the integer counter's wrapping
 * totals survive the codec past 2^63.
 */
class CausalDecimalCounterLawsTest {
    /** A change of -1.25 to 1.25 in steps of 0.25, never 0, in hundredths. */
    record Change(long hundredths) {}

    static final class Model implements CrdtModel<CausalDecimalCounter, Object> {
        @Override
        public String name() {
            return "CausalDecimalCounter";
        }

        @Override
        public CausalDecimalCounter empty() {
            return new CausalDecimalCounter();
        }

        @Override
        public Object randomOperation(RandomGenerator random, ReplicaId replica, CausalDecimalCounter state) {
            if (random.nextInt(8) == 0) {
                return new CausalCounterLawsTest.Reset();
            }
            long quarters = 1 + random.nextInt(5);
            return new Change((random.nextBoolean() ? quarters : -quarters) * 25);
        }

        @Override
        public CausalDecimalCounter apply(CausalDecimalCounter state, ReplicaId replica, Object operation) {
            return switch (operation) {
                case Change change -> state.add(replica, BigDecimal.valueOf(change.hundredths(), 2));
                default -> state.reset();
            };
        }

        @Override
        public Object value(CausalDecimalCounter state) {
            return state.value().movePointRight(2).longValueExact();
        }

        @Override
        public byte[] encode(CausalDecimalCounter state) {
            return Codecs.encode(CausalDecimalCounter.codec(), state);
        }

        @Override
        public CausalDecimalCounter decode(byte[] bytes) throws Exception {
            return Codecs.decode(CausalDecimalCounter.codec(), bytes);
        }

        @Override
        public Object oracleValue(List<Event<Object>> history) {
            return CausalCounterLawsTest.resettableCounter(history, operation -> ((Change) operation).hundredths(),
                    operation -> operation instanceof CausalCounterLawsTest.Reset).orElse(0);
        }
    }

    @Test
    void causalDecimalCounter_obeysEveryLaw_inAThousandRandomCases_withObservedResets() {
        LawChecker.Summary summary = LawChecker.check(new Model());

        assertThat(summary.cases()).isEqualTo(1_000);
        assertThat(summary.operationsAccepted()).isGreaterThan(5_000);
    }

    @Test
    void causalCounter_totalsPastTwoToThe63_wrapAndSurviveTheCodec() throws Exception {
        ReplicaId replica = ReplicaId.of("a");
        CausalCounter counter = new CausalCounter();
        counter.increment(replica, Long.MAX_VALUE);
        counter.decrement(replica, Long.MAX_VALUE);
        counter.increment(replica, Long.MAX_VALUE);
        counter.increment(replica, 5); // increments total 2 * MAX + 5: beyond 64 bits signed, wraps
        counter.decrement(replica, 10);
        CausalCounter decoded = Codecs.decode(CausalCounter.codec(), Codecs.encode(CausalCounter.codec(), counter));
        assertThat(decoded).isEqualTo(counter);
        assertThat(decoded.value()).isEqualTo(Long.MAX_VALUE - 5);
    }
}
