package io.calmdb.sim.cluster;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.sim.LatencyModel;
import io.calmdb.sim.NetworkConfig;
import io.calmdb.sim.Partition;
import io.calmdb.sim.SimNetwork;
import io.calmdb.sim.Simulation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The coordination workload of issue 8 on real replica cores: bounded counters ({@code BC.INCRBY}, {@code BC.DECRBY}
 * within and beyond local rights) and generated IDs ({@code ID.NEXT}, {@code ID.BATCH}) at every region, under
 * partitions, crashes (losing what the fsync policy does not protect), restarts with the clock stepped back, clock
 * steps while running, message loss, duplication and reordering. Checks:
 *
 * <ul>
 *   <li>at every replica, at every observation ({@link #OBSERVE_MILLIS}), every bounded counter's value is at least
 *       its {@code MIN} and no region holds negative rights;
 *   <li>once healed and converged, every counter's value equals {@code INIT + acknowledged increments - acknowledged
 *       decrements} at every replica (acknowledged means durable, and what was not durable died with its crash);
 *   <li>no ID (and no ID of a leased batch) was handed to two clients.
 * </ul>
 *
 * A run is a pure function of its scenario.
 */
public final class CoordinationSimulation {
    /** Client operations per second per node. */
    static final int OPERATIONS_PER_SECOND_PER_NODE = 100;
    /** How often every live replica's counters are checked against their floor, in virtual milliseconds. */
    static final long OBSERVE_MILLIS = 5;
    /** How long after the heal the replicas may take to converge, in virtual milliseconds. */
    static final long CONVERGENCE_MILLIS_MAX = 60_000;
    /** The wait a decrement beyond local rights is given, in milliseconds. */
    static final long DECREMENT_TIMEOUT_MILLIS = 300;
    /** The largest backwards clock step at a restart or while running, in milliseconds. */
    static final long CLOCK_STEP_BACK_MILLIS_MAX = 400;
    /** Violations kept per run (the first ones tell). */
    static final int VIOLATIONS_MAX = 20;

    /** One bounded counter of the workload: its key, initial value and floor. */
    private record Counter(Bytes key, long initial, long floor) {}

    private static final List<Counter> COUNTERS = List.of(new Counter(Bytes.ofUtf8("stock:0"), 300, 0),
            new Counter(Bytes.ofUtf8("stock:1"), 60, -20));
    private static final Bytes NAMESPACE = Bytes.ofUtf8("ids");

    /** What one run found. */
    public record Result(ClusterScenario scenario, List<String> violations, long decrementsAcknowledged,
            long decrementsRefusedForRights, long decrementsWaitedAndServed, long incrementsAcknowledged,
            long rightsTransfers, long idsIssued, long idRefusalsClockBackwards, long idRefusalsOther,
            long observations, int crashes, int partitions, long convergedAfterMillis) {
        public boolean passed() {
            return violations.isEmpty();
        }
    }

    private final ClusterScenario scenario;
    private final Simulation simulation;
    private final SimNetwork<byte[]> network;
    private final Map<ReplicaId, SimReplica> replicas = new LinkedHashMap<>();
    private final List<ReplicaId> ids = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<Bytes, Long> acknowledgedSum = new HashMap<>();
    private final Set<Bytes> initialised = new HashSet<>();
    private final Set<Long> issuedIds = new HashSet<>();
    /** Decrements waiting for their answer: (node, ticket) to (key, amount, whether it exceeded local rights). */
    private final Map<List<Object>, Object[]> pendingDecrements = new HashMap<>();
    private long nextTicket = 1;
    private long decrementsAcknowledged;
    private long decrementsRefusedForRights;
    private long decrementsWaitedAndServed;
    private long incrementsAcknowledged;
    private long idsIssued;
    private long idRefusalsClockBackwards;
    private long idRefusalsOther;
    private long observations;
    private long violationsDropped;
    private int crashes;
    private int partitions;

    private CoordinationSimulation(ClusterScenario scenario) {
        this.scenario = scenario;
        this.simulation = Simulation.create(scenario.seed());
        RandomGenerator random = simulation.random();
        NetworkConfig net = NetworkConfig.perfect(LatencyModel.uniform(1, 40))
                .withLoss(random.nextDouble() * 0.05)
                .withDuplication(random.nextDouble() * 0.05)
                .withReordering(random.nextDouble() * 0.1, 50);
        this.network = SimNetwork.create(simulation, net);
        for (int i = 0; i < scenario.nodes(); i++) {
            ids.add(ReplicaId.of("n" + (i + 1)));
        }
        SimReplica.Listener listener = new SimReplica.Listener() {
            @Override
            public void acknowledged(ReplicaId node, Object write) {
                acknowledgedWrite(write);
            }

            @Override
            public void waitAnswered(ReplicaId node, long sequence, int answered, long committedAtMillis) {}

            @Override
            public void boundedAnswered(ReplicaId node, long ticket, long value, String error) {
                decrementAnswered(node, ticket, error);
            }
        };
        for (ReplicaId id : ids) {
            List<ReplicaId> peers = new ArrayList<>(ids);
            peers.remove(id);
            replicas.put(id, new SimReplica(id, peers, simulation, network, scenario.durability(),
                    scenario.plantedBug(), random.nextLong(-250, 251), listener));
        }
    }

    /** Runs {@code scenario} to the end and reports what it found. */
    public static Result run(ClusterScenario scenario) {
        return new CoordinationSimulation(scenario).run();
    }

    private record Init(Counter counter) {}

    private record Increment(Bytes key, long amount) {}

    private record IdLease(long first, long last) {}

    private Result run() {
        replicas.values().forEach(SimReplica::start);
        long workloadEnd = scenario.workloadMillis();
        // Each counter is created once, at the first node, before the workload.
        SimReplica first = replicas.get(ids.get(0));
        for (Counter counter : COUNTERS) {
            try {
                first.keyspace().setTaskTime(first.now());
                first.write(new Init(counter), first.keyspace().boundedInit(counter.key(), counter.initial(),
                        counter.floor(), first.now()));
            } catch (KeyspaceException e) {
                violations.add("BC.INIT of " + counter.key() + " was refused: " + e.getMessage());
            }
        }
        scheduleFaults(workloadEnd);
        for (ReplicaId id : ids) {
            scheduleNextOperation(id, workloadEnd);
        }
        scheduleObservation(workloadEnd);
        simulation.runUntil(workloadEnd);
        for (SimReplica replica : replicas.values()) {
            if (!replica.up()) {
                replica.start();
            }
        }
        linksUp();
        long convergedAfter = awaitConvergence(workloadEnd);
        if (convergedAfter < 0) {
            StringBuilder detail = new StringBuilder();
            for (SimReplica replica : replicas.values()) {
                detail.append("; ").append(replica.id()).append(" context ")
                        .append(replica.keyspace().context().versionVector()).append(" escrow ")
                        .append(replica.core().escrowStatus());
                for (Counter counter : COUNTERS) {
                    try {
                        detail.append(' ').append(counter.key()).append('=')
                                .append(replica.keyspace().boundedRights(counter.key()));
                    } catch (KeyspaceException e) {
                        detail.append(e.getMessage());
                    }
                }
            }
            violation("the replicas did not converge within " + CONVERGENCE_MILLIS_MAX + " ms of the heal ("
                    + pendingDecrements.size() + " decrements unanswered)" + detail);
        }
        for (SimReplica replica : replicas.values()) {
            observe(replica);
            checkConverged(replica);
        }
        long transfers = 0;
        for (SimReplica replica : replicas.values()) {
            transfers += (Long) replica.core().escrowStatus().get("bc_rights_transfers_given");
        }
        if (violationsDropped > 0) {
            violations.add("(" + violationsDropped + " more violations left out)");
        }
        return new Result(scenario, List.copyOf(violations), decrementsAcknowledged, decrementsRefusedForRights,
                decrementsWaitedAndServed, incrementsAcknowledged, transfers, idsIssued, idRefusalsClockBackwards,
                idRefusalsOther, observations, crashes, partitions, convergedAfter);
    }

    private void violation(String text) {
        if (violations.size() < VIOLATIONS_MAX) {
            violations.add(text);
        } else {
            violationsDropped++;
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // The model and the checks

    private void acknowledgedWrite(Object write) {
        switch (write) {
            case Init init -> {
                initialised.add(init.counter().key());
                acknowledgedSum.merge(init.counter().key(), init.counter().initial(), Long::sum);
            }
            case Increment increment -> {
                incrementsAcknowledged++;
                acknowledgedSum.merge(increment.key(), increment.amount(), Long::sum);
            }
            case IdLease lease -> {
                for (long id = lease.first(); id <= lease.last(); id++) {
                    idsIssued++;
                    if (!issuedIds.add(id)) {
                        violation("ID " + id + " was handed out twice (the second time at " + simulation.nowMillis()
                                + " ms)");
                    }
                }
            }
            default -> throw new IllegalStateException("unexpected write " + write);
        }
    }

    private void decrementAnswered(ReplicaId node, long ticket, String error) {
        Object[] pending = pendingDecrements.remove(List.of(node, ticket));
        if (pending == null) {
            violation(node + " answered bounded decrement " + ticket + " that it was never asked, or twice");
            return;
        }
        Bytes key = (Bytes) pending[0];
        long amount = (Long) pending[1];
        if (error == null) {
            decrementsAcknowledged++;
            if ((Boolean) pending[2]) {
                decrementsWaitedAndServed++;
            }
            acknowledgedSum.merge(key, -amount, Long::sum);
        } else if (error.startsWith("RIGHTS")) {
            decrementsRefusedForRights++;
        } else if (!error.contains("create it with BC.INIT")) {
            violation(node + ": a bounded decrement failed with an unexpected error: " + error);
        }
    }

    /** Every counter at or above its floor, and no region with negative rights, at {@code replica} now. */
    private void observe(SimReplica replica) {
        observations++;
        Keyspace keyspace = replica.keyspace();
        keyspace.setTaskTime(replica.now());
        for (Counter counter : COUNTERS) {
            try {
                Long value = keyspace.boundedGet(counter.key());
                if (value == null) {
                    continue;
                }
                if (value < counter.floor()) {
                    violation(replica.id() + ": " + counter.key() + " reads " + value + " at " + simulation.nowMillis()
                            + " ms, below its MIN " + counter.floor());
                }
                keyspace.boundedRights(counter.key()).forEach((region, rights) -> {
                    if (rights < 0) {
                        violation(replica.id() + ": region " + region + " holds " + rights + " rights on "
                                + counter.key() + " at " + simulation.nowMillis() + " ms");
                    }
                });
            } catch (KeyspaceException e) {
                violation(replica.id() + ": reading " + counter.key() + " failed: " + e.getMessage());
            }
        }
    }

    private void checkConverged(SimReplica replica) {
        for (Counter counter : COUNTERS) {
            try {
                Long value = replica.keyspace().boundedGet(counter.key());
                long expected = acknowledgedSum.getOrDefault(counter.key(), 0L);
                if (!initialised.contains(counter.key())) {
                    continue;
                }
                if (value == null || value != expected) {
                    violation(replica.id() + ": " + counter.key() + " converged to " + value + ", but INIT +"
                            + " acknowledged increments - acknowledged decrements = " + expected);
                }
            } catch (KeyspaceException e) {
                violation(replica.id() + ": reading " + counter.key() + " failed: " + e.getMessage());
            }
        }
    }

    private long awaitConvergence(long healedAt) {
        long deadline = healedAt + CONVERGENCE_MILLIS_MAX;
        while (simulation.nowMillis() < deadline) {
            simulation.runUntil(Math.min(deadline, simulation.nowMillis() + 50));
            if (converged()) {
                return simulation.nowMillis() - healedAt;
            }
        }
        return -1;
    }

    private boolean converged() {
        byte[] first = null;
        for (SimReplica replica : replicas.values()) {
            byte[] state = Codecs.encode(Keyspace.CODEC, replica.keyspace().state());
            if (first == null) {
                first = state;
            } else if (!Arrays.equals(first, state)) {
                return false;
            }
        }
        return pendingDecrements.isEmpty();
    }

    // ------------------------------------------------------------------------------------------------------
    // Faults

    private void scheduleFaults(long workloadEnd) {
        RandomGenerator random = simulation.random();
        int partitionCount = 1 + random.nextInt(3);
        for (int i = 0; i < partitionCount; i++) {
            long start = random.nextLong(0, workloadEnd - 500);
            long end = Math.min(workloadEnd - 100, start + random.nextLong(200, 3_000));
            Partition partition = Partition.isolate(ids.get(random.nextInt(ids.size())));
            network.partition(partition, start, Math.max(start, end));
            simulation.schedule(Math.max(start, end), this::linksUp);
            partitions++;
        }
        int crashCount = random.nextInt(3);
        for (int i = 0; i < crashCount; i++) {
            ReplicaId victim = ids.get(random.nextInt(ids.size()));
            long at = random.nextLong(100, workloadEnd - 500);
            long downFor = random.nextLong(50, 1_500);
            simulation.schedule(at, () -> {
                SimReplica replica = replicas.get(victim);
                if (!replica.up()) {
                    return;
                }
                replica.crash();
                crashes++;
                pendingDecrements.keySet().removeIf(key -> key.get(0).equals(victim));
                // The machine comes back with its clock stepped back: IDs must refuse until it passes the mark.
                replica.stepClock(-random.nextLong(0, CLOCK_STEP_BACK_MILLIS_MAX));
                simulation.schedule(Math.min(workloadEnd, simulation.nowMillis() + downFor), () -> {
                    if (!replica.up()) {
                        replica.start();
                        linksUp();
                    }
                });
            });
        }
        int steps = random.nextInt(3);
        for (int i = 0; i < steps; i++) {
            ReplicaId stepped = ids.get(random.nextInt(ids.size()));
            long back = random.nextLong(1, CLOCK_STEP_BACK_MILLIS_MAX);
            simulation.schedule(random.nextLong(100, workloadEnd - 100), () -> replicas.get(stepped).stepClock(-back));
        }
    }

    private void linksUp() {
        for (SimReplica replica : replicas.values()) {
            if (!replica.up()) {
                continue;
            }
            for (ReplicaId peer : ids) {
                if (!peer.equals(replica.id())) {
                    replica.core().onPeerConnected(peer, replica.now());
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Workload

    private void scheduleNextOperation(ReplicaId id, long workloadEnd) {
        long meanGapMillis = 1_000 / OPERATIONS_PER_SECOND_PER_NODE;
        long gap = 1 + simulation.random().nextLong(2 * meanGapMillis);
        if (simulation.nowMillis() + gap >= workloadEnd) {
            return;
        }
        simulation.after(gap, () -> {
            SimReplica replica = replicas.get(id);
            if (replica.up()) {
                operateOnce(replica);
            }
            scheduleNextOperation(id, workloadEnd);
        });
    }

    private void operateOnce(SimReplica replica) {
        RandomGenerator random = simulation.random();
        Keyspace keyspace = replica.keyspace();
        long now = replica.now();
        keyspace.setTaskTime(now);
        Counter counter = COUNTERS.get(random.nextInt(COUNTERS.size()));
        int choice = random.nextInt(20);
        if (choice < 11) {
            long amount = 1 + random.nextInt(4);
            long ticket = nextTicket++;
            // Registered first: a refusal is answered inside the call.
            boolean beyondRights = keyspace.boundedLocalRights(counter.key()) < amount;
            pendingDecrements.put(List.of(replica.id(), ticket), new Object[] {counter.key(), amount, beyondRights});
            replica.boundedDecrement(ticket, counter.key(), amount, random.nextInt(4) == 0 ? 0
                    : DECREMENT_TIMEOUT_MILLIS);
            return;
        }
        try {
            if (choice < 15) {
                long amount = 1 + random.nextInt(3);
                if (keyspace.boundedGet(counter.key()) != null) {
                    replica.write(new Increment(counter.key(), amount), keyspace.boundedIncrement(counter.key(), amount, now));
                }
            } else {
                int count = choice == 19 ? 1 + random.nextInt(64) : 1;
                Keyspace.Write<long[]> lease = keyspace.idBatch(NAMESPACE, replica.core().idRegionIndex(), count, now);
                replica.write(new IdLease(lease.reply()[0], lease.reply()[1]), lease);
            }
        } catch (KeyspaceException e) {
            if (e.getMessage().startsWith("ERR clock went backwards")) {
                idRefusalsClockBackwards++;
            } else {
                idRefusalsOther++;
            }
        }
    }

    private void scheduleObservation(long workloadEnd) {
        if (simulation.nowMillis() + OBSERVE_MILLIS >= workloadEnd) {
            return;
        }
        simulation.after(OBSERVE_MILLIS, () -> {
            for (SimReplica replica : replicas.values()) {
                if (replica.up()) {
                    observe(replica);
                }
            }
            scheduleObservation(workloadEnd);
        });
    }
}
