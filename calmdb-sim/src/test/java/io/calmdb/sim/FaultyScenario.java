package io.calmdb.sim;

import io.calmdb.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A random but seeded fault plan for property tests: a small cluster, a lossy, duplicating, reordering network,
 * broadcasts at random times, partitions of random shapes that start and heal, a clogged link, and optionally a
 * sender that crashes midway through a broadcast, or a node that crashes and restarts. Everything is drawn from the
 * simulation's generator, so the seed alone reproduces the run.
 */
final class FaultyScenario {
    static final long BROADCAST_WINDOW_MILLIS = 3_000;
    static final long FAULT_WINDOW_MILLIS = 4_000;
    static final long DRAIN_DEADLINE_MILLIS = 20_000;

    enum NodeFault { NONE, CRASH_MIDWAY, CRASH_AND_RESTART }

    final Simulation simulation;
    final List<ReplicaId> members;
    final NetworkConfig network;
    final long seed;

    FaultyScenario(long seed, Trace trace) {
        this.seed = seed;
        this.simulation = Simulation.create(seed, trace);
        RandomGenerator random = simulation.random();
        int size = 4 + random.nextInt(4);
        List<ReplicaId> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            nodes.add(ReplicaId.of("n" + i));
        }
        this.members = List.copyOf(nodes);
        this.network = NetworkConfig.perfect(LatencyModel.uniform(1, 60))
                .withLoss(0.05 + random.nextDouble() * 0.15)
                .withDuplication(random.nextDouble() * 0.15)
                .withReordering(random.nextDouble() * 0.2, 150);
    }

    /** Schedules broadcasts, partitions, a clog and the node fault on {@code cluster}. */
    <M, P> void plan(BroadcastCluster<M, P> cluster, int broadcasts, NodeFault nodeFault,
            java.util.function.BiFunction<ReplicaId, Integer, P> payload) {
        RandomGenerator random = simulation.random();
        ReplicaId faulty = members.get(random.nextInt(members.size()));
        long crashAt = 200 + random.nextLong(BROADCAST_WINDOW_MILLIS - 400);
        for (int i = 0; i < broadcasts; i++) {
            ReplicaId origin = members.get(random.nextInt(members.size()));
            long at = random.nextLong(BROADCAST_WINDOW_MILLIS);
            if (nodeFault == NodeFault.CRASH_MIDWAY && origin.equals(faulty) && at >= crashAt) {
                origin = members.get((members.indexOf(faulty) + 1) % members.size());
            }
            cluster.broadcastAt(at, origin, payload.apply(origin, i));
        }
        int partitions = 1 + random.nextInt(3);
        for (int i = 0; i < partitions; i++) {
            long start = random.nextLong(FAULT_WINDOW_MILLIS);
            long heal = start + 100 + random.nextLong(1_500);
            cluster.network().partition(randomShape(random), start, heal);
        }
        ReplicaId clogFrom = members.get(random.nextInt(members.size()));
        ReplicaId clogTo = members.get((members.indexOf(clogFrom) + 1) % members.size());
        long clogStart = random.nextLong(FAULT_WINDOW_MILLIS);
        cluster.network().clog(clogFrom, clogTo, clogStart, clogStart + 1_000, 300);
        switch (nodeFault) {
            case NONE -> { }
            case CRASH_MIDWAY -> cluster.crashDuringBroadcastAt(crashAt, faulty, payload.apply(faulty, broadcasts),
                    random.nextInt(members.size()));
            case CRASH_AND_RESTART -> {
                cluster.crashAt(crashAt, faulty);
                cluster.restartAt(crashAt + 200 + random.nextLong(2_000), faulty);
            }
        }
    }

    private Partition randomShape(RandomGenerator random) {
        List<ReplicaId> shuffled = new ArrayList<>(members);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            ReplicaId swap = shuffled.get(i);
            shuffled.set(i, shuffled.get(j));
            shuffled.set(j, swap);
        }
        int minority = Math.max(1, (members.size() - 1) / 2);
        return switch (random.nextInt(5)) {
            case 0 -> Partition.isolate(shuffled.get(0));
            case 1 -> Partition.split(shuffled.subList(0, minority));
            case 2 -> Partition.split(shuffled.subList(0, members.size() - minority));
            case 3 -> Partition.bridge(shuffled.subList(0, minority), shuffled.subList(minority + 1, members.size()));
            default -> Partition.oneWay(shuffled.subList(0, minority), shuffled.subList(minority, members.size()));
        };
    }

    /** A readable payload naming the origin and the broadcast's number. */
    static String text(ReplicaId origin, int index) {
        return origin + "#" + index;
    }

    /** Runs until nothing is left to do or the drain deadline passes. */
    void runToQuiet() {
        simulation.runUntilIdle(DRAIN_DEADLINE_MILLIS);
    }
}
