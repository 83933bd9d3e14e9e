package io.calmdb.crdt.laws;

import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.GCounter;
import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.random.RandomGenerator;

/** The law-kit model of {@link GCounter}: increments of 1 to 5, oracle = the sum of all increments. */
final class GCounterModel implements CrdtModel<GCounter, GCounterModel.Increment> {
    /** The largest increment the model issues; small amounts keep reports readable. */
    static final int AMOUNT_MAX = 5;

    record Increment(long amount) {}

    @Override
    public String name() {
        return "GCounter";
    }

    @Override
    public GCounter empty() {
        return new GCounter();
    }

    @Override
    public Increment randomOperation(RandomGenerator random, ReplicaId replica, GCounter state) {
        return new Increment(1 + random.nextInt(AMOUNT_MAX));
    }

    @Override
    public GCounter apply(GCounter state, ReplicaId replica, Increment operation) {
        return state.increment(replica, operation.amount());
    }

    @Override
    public Object value(GCounter state) {
        return state.value();
    }

    @Override
    public byte[] encode(GCounter state) {
        return Codecs.encode(GCounter.codec(), state);
    }

    @Override
    public GCounter decode(byte[] bytes) throws Exception {
        return Codecs.decode(GCounter.codec(), bytes);
    }

    @Override
    public Object oracleValue(List<Event<Increment>> history) {
        return Oracles.counter(history, Increment::amount);
    }
}
