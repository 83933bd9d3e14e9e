package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.BoundedCounter;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.InsufficientRightsException;
import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BoundedCounterLawsTest {
    sealed interface CounterOperation {}

    record Increment(long amount) implements CounterOperation {}

    record Decrement(long amount) implements CounterOperation {}

    record Transfer(ReplicaId to, long amount) implements CounterOperation {}

    static final class Model implements CrdtModel<BoundedCounter, CounterOperation> {
        @Override
        public String name() {
            return "BoundedCounter";
        }

        @Override
        public BoundedCounter empty() {
            return new BoundedCounter();
        }

        @Override
        public CounterOperation randomOperation(RandomGenerator random, ReplicaId replica, BoundedCounter state) {
            int roll = random.nextInt(100);
            long amount = 1 + random.nextInt(5);
            if (roll < 40) {
                return new Increment(amount);
            }
            if (roll < 80) {
                return new Decrement(amount);
            }
            // The checker names its replicas r1 to rN with N >= 3; a transfer to a replica absent from this case
            // is still legal, the rights simply wait there.
            ReplicaId to = replica;
            while (to.equals(replica)) {
                to = ReplicaId.of("r" + (1 + random.nextInt(LawConfig.REPLICAS_MAX_DEFAULT)));
            }
            return new Transfer(to, amount);
        }

        /** Decrements and transfers beyond the replica's rights are refused, which is the type's whole point. */
        @Override
        public BoundedCounter apply(BoundedCounter state, ReplicaId replica, CounterOperation operation) {
            BoundedCounter delta;
            try {
                delta = switch (operation) {
                    case Increment increment -> state.increment(replica, increment.amount());
                    case Decrement decrement -> state.decrement(replica, decrement.amount());
                    case Transfer transfer -> state.transfer(replica, transfer.to(), transfer.amount());
                };
            } catch (InsufficientRightsException refused) {
                return null;
            }
            checkNeverBelowZero(state);
            checkNeverBelowZero(delta);
            return delta;
        }

        /** The invariant the type exists for: no replica holds negative rights, so the value is never below 0. */
        private static void checkNeverBelowZero(BoundedCounter counter) {
            if (counter.value() < 0) {
                throw new AssertionError("bounded counter below zero: " + counter);
            }
            for (Map.Entry<ReplicaId, Long> rights : counter.rightsByReplica().entrySet()) {
                if (rights.getValue() < 0) {
                    throw new AssertionError(rights.getKey() + " holds negative rights: " + counter);
                }
            }
        }

        @Override
        public Object value(BoundedCounter state) {
            checkNeverBelowZero(state);
            return state.value();
        }

        @Override
        public byte[] encode(BoundedCounter state) {
            return Codecs.encode(BoundedCounter.codec(), state);
        }

        @Override
        public BoundedCounter decode(byte[] bytes) throws Exception {
            return Codecs.decode(BoundedCounter.codec(), bytes);
        }

        @Override
        public Object oracleValue(List<Event<CounterOperation>> history) {
            return Oracles.counter(history, operation -> switch (operation) {
                case Increment increment -> increment.amount();
                case Decrement decrement -> -decrement.amount();
                case Transfer transfer -> 0;
            });
        }
    }

    @Test
    void boundedCounter_obeysEveryLaw_inAThousandRandomCases_andRefusesDecrementsBeyondRights() {
        LawChecker.Summary summary = LawChecker.check(new Model());

        assertThat(summary.cases()).isEqualTo(1_000);
        assertThat(summary.operationsAccepted()).isGreaterThan(3_000);
        assertThat(summary.operationsRefused()).isGreaterThan(1_000);
    }
}
