package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.PNCounter;
import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class PNCounterLawsTest {
    /** A change of -5 to 5, never 0: positive is an increment, negative a decrement. */
    record Change(long amount) {}

    static final class Model implements CrdtModel<PNCounter, Change> {
        @Override
        public String name() {
            return "PNCounter";
        }

        @Override
        public PNCounter empty() {
            return new PNCounter();
        }

        @Override
        public Change randomOperation(RandomGenerator random, ReplicaId replica, PNCounter state) {
            long amount = 1 + random.nextInt(5);
            return new Change(random.nextBoolean() ? amount : -amount);
        }

        @Override
        public PNCounter apply(PNCounter state, ReplicaId replica, Change operation) {
            return operation.amount() > 0 ? state.increment(replica, operation.amount())
                    : state.decrement(replica, -operation.amount());
        }

        @Override
        public Object value(PNCounter state) {
            return state.value();
        }

        @Override
        public byte[] encode(PNCounter state) {
            return Codecs.encode(PNCounter.codec(), state);
        }

        @Override
        public PNCounter decode(byte[] bytes) throws Exception {
            return Codecs.decode(PNCounter.codec(), bytes);
        }

        @Override
        public Object oracleValue(List<Event<Change>> history) {
            return Oracles.counter(history, Change::amount);
        }
    }

    @Test
    void pnCounter_obeysEveryLaw_inAThousandRandomCases_andEqualsIncrementsMinusDecrements() {
        LawChecker.Summary summary = LawChecker.check(new Model());

        assertThat(summary.cases()).isEqualTo(1_000);
        assertThat(summary.casesCausal()).isGreaterThan(400);
        assertThat(summary.operationsAccepted()).isGreaterThan(5_000);
    }
}
