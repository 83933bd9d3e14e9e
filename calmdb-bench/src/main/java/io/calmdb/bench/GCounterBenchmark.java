package io.calmdb.bench;

import io.calmdb.crdt.GCounter;
import io.calmdb.crdt.ReplicaId;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * G-Counter increments then merge, on CalmDB and on Pekko: {@link #increments} increments spread round-robin over
 * {@value #REPLICA_COUNT} replicas, each replica counting in its own counter, then the three counters merged into
 * one. One benchmark invocation is the whole run, so the score is milliseconds per run and the rate is
 * {@code increments / score}.
 *
 * <p>Both sides pay for the delta their API produces: CalmDB's {@code increment} returns a one-slot delta, which
 * the benchmark hands to a {@link Blackhole} as a replica would hand it to replication; Pekko's increment returns a
 * new immutable counter that carries its accumulated delta.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GCounterBenchmark {
    /** The number of replica ids the increments are spread over. */
    static final int REPLICA_COUNT = 3;

    /** Increments per invocation, over all replicas. */
    @Param("10000000")
    public int increments;

    private final ReplicaId[] replicas = {ReplicaId.of("replica-0"), ReplicaId.of("replica-1"), ReplicaId.of("replica-2")};
    private final SelfUniqueAddress[] nodes = {PekkoPeer.node(0), PekkoPeer.node(1), PekkoPeer.node(2)};

    /** Returns the merged counter's value, which must equal {@link #increments}. */
    @Benchmark
    public long calmdbIncrementThenMerge(Blackhole blackhole) {
        GCounter[] counters = new GCounter[REPLICA_COUNT];
        for (int r = 0; r < REPLICA_COUNT; r++) {
            counters[r] = new GCounter();
        }
        for (int i = 0; i < increments; i++) {
            int r = i % REPLICA_COUNT;
            blackhole.consume(counters[r].increment(replicas[r]));
        }
        return counters[0].merge(counters[1]).merge(counters[2]).value();
    }

    /** Returns the merged counter's value, which must equal {@link #increments}. */
    @Benchmark
    public long pekkoIncrementThenMerge() {
        org.apache.pekko.cluster.ddata.GCounter[] counters = new org.apache.pekko.cluster.ddata.GCounter[REPLICA_COUNT];
        for (int r = 0; r < REPLICA_COUNT; r++) {
            counters[r] = org.apache.pekko.cluster.ddata.GCounter.create();
        }
        for (int i = 0; i < increments; i++) {
            int r = i % REPLICA_COUNT;
            counters[r] = counters[r].increment(nodes[r], 1L);
        }
        return counters[0].merge(counters[1]).merge(counters[2]).getValue().longValueExact();
    }
}
