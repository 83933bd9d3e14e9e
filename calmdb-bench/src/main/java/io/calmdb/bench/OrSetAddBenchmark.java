package io.calmdb.bench;

import io.calmdb.crdt.OrSet;
import io.calmdb.crdt.ReplicaId;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link #elementCount} distinct OR-Set adds by one replica, into an empty set, on CalmDB and on Pekko. One
 * invocation is the whole run, so the score is milliseconds per run and the rate is {@code elementCount / score}.
 * The element strings ({@code "element-" + i}) are made once per trial and shared by both sides, so neither pays
 * for building them.
 *
 * <p>Both sides produce a delta per add. CalmDB's {@code add} returns a one-add delta, which the benchmark hands to a
 * {@code Blackhole} as a replica would hand it to replication. Pekko's immutable {@code add} returns a new set that
 * carries a delta accumulating every add since the last {@code resetDelta()}. Pekko's Replicator resets it after
 * each update. Measured both ways, the plain accumulating {@link #pekkoAdd} is the faster, so the table's target
 * compares against it (the conservative choice) and {@link #pekkoAddResettingDelta} is shown beside it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class OrSetAddBenchmark {
    /** Distinct elements added per invocation. */
    @Param("1000000")
    public int elementCount;

    private String[] elements;
    private final ReplicaId replica = SetFixtures.REPLICA;
    private final SelfUniqueAddress node = PekkoPeer.node(0);

    @Setup(Level.Trial)
    public void makeElements() {
        elements = SetFixtures.elements(elementCount);
    }

    /** Returns the filled set, whose size must equal {@link #elementCount}. */
    @Benchmark
    public OrSet<String> calmdbAdd(Blackhole blackhole) {
        OrSet<String> set = new OrSet<>();
        for (String element : elements) {
            blackhole.consume(set.add(replica, element));
        }
        return set;
    }

    /** Returns the filled set, whose size must equal {@link #elementCount}. */
    @Benchmark
    public ORSet<String> pekkoAdd() {
        ORSet<String> set = ORSet.create();
        for (String element : elements) {
            set = set.add(node, element);
        }
        return set;
    }

    /** Pekko's add followed by {@code resetDelta()}, as its Replicator does after every update. */
    @Benchmark
    public ORSet<String> pekkoAddResettingDelta() {
        ORSet<String> set = ORSet.create();
        for (String element : elements) {
            set = set.add(node, element).resetDelta();
        }
        return set;
    }
}
