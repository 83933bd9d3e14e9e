package io.calmdb.sim.cluster;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.core.QuorumReadOutcome;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The quorum-read workload (issue 8): real replica cores under set additions, each followed by a {@code WAIT w} for a
 * random w, and quorum reads with a random R at every region, while partitions come and go and the network loses,
 * duplicates and reorders messages. It checks, as the run advances:
 *
 * <ul>
 *   <li>a quorum read with R that succeeds sees every addition whose {@code WAIT} answered, before the read started,
 *       with enough acknowledgements that W + R > N (W = the acknowledging peers + the origin);
 *   <li>a quorum read times out only when, at some moment of its wait, fewer than R regions (the reader included)
 *       were up and connected to the reader both ways;
 *   <li>after the heal every replica holds the same state, with every acknowledged addition, and no replica
 *       dropped a message as malformed (an honest answer never claims removals the asker did not see).
 * </ul>
 *
 * <p>Crashes are left out: a replica that acknowledged a write it held back and then crashed has lost it (WAIT
 * counts acknowledgements, as Redis's does), so W + R > N promises nothing across a crash. A run is a pure function
 * of its seed.
 */
public final class QuorumReadSimulation {
    /** The workload's length, in virtual milliseconds. */
    public static final long WORKLOAD_MILLIS = 4_000;
    /** Client additions per second per node. */
    static final int WRITES_PER_SECOND_PER_NODE = 30;
    /** Quorum reads per second per node. */
    static final int READS_PER_SECOND_PER_NODE = 20;
    /**
     * Keys the workload spreads its additions and reads over. A quorum answer carries the key's whole state, so the
     * sets are kept to about a hundred members each, which keeps a run near a second.
     */
    static final int KEYS = 8;
    /** The timeout of every quorum read, in milliseconds: several resend periods, so message loss alone never fails. */
    static final long READ_TIMEOUT_MILLIS = 1_000;
    /** The timeout of every WAIT, in milliseconds. */
    static final long WAIT_TIMEOUT_MILLIS = 300;
    /** How often reachability is sampled for the pending reads, in virtual milliseconds. */
    static final long REACHABILITY_SAMPLE_MILLIS = 5;
    /** How long after the heal the replicas may take to converge, in virtual milliseconds. */
    static final long CONVERGENCE_MILLIS_MAX = 60_000;
    /** Violations kept per run (the first ones tell). */
    static final int VIOLATIONS_MAX = 20;

    /** What one run found. */
    public record Result(long seed, int nodes, List<String> violations, long additionsAcknowledged,
            long readsServed, long readsChecked, long membersChecked, long timeouts, long timeoutsReachable,
            long repairsSent, long partitions) {
        public boolean passed() {
            return violations.isEmpty();
        }
    }

    /** Planted bugs for the checker's own tests. */
    public enum PlantedBug {
        NONE,
        /** Serve every read locally, never asking the other regions. */
        SERVE_LOCALLY,
        /** Fail every read with R above 1 at once, as if no other region answered. */
        FAIL_AT_ONCE
    }

    private record Acknowledged(Bytes key, Bytes member, int copies, long atMillis) {}

    private static final class PendingRead {
        final ReplicaId reader;
        final Bytes key;
        final int replicas;
        final long startMillis;
        boolean everUnderConnected;

        PendingRead(ReplicaId reader, Bytes key, int replicas, long startMillis) {
            this.reader = reader;
            this.key = key;
            this.replicas = replicas;
            this.startMillis = startMillis;
        }
    }

    private final long seed;
    private final int nodeCount;
    private final PlantedBug bug;
    private final Simulation simulation;
    private final SimNetwork<byte[]> network;
    private final Map<ReplicaId, SimReplica> replicas = new LinkedHashMap<>();
    private final List<ReplicaId> ids = new ArrayList<>();
    private final List<Acknowledged> acknowledged = new ArrayList<>();
    private final List<PendingRead> pendingReads = new ArrayList<>();
    // Per node: the addition awaiting its WAIT, by local sequence.
    private final Map<ReplicaId, Map<Long, Bytes[]>> awaitingWait = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private long nextMember;
    private long readsServed;
    private long readsChecked;
    private long membersChecked;
    private long timeouts;
    private long timeoutsReachable;
    private long partitions;

    private QuorumReadSimulation(long seed, int nodeCount, PlantedBug bug) {
        if (nodeCount < 2 || nodeCount > ClusterScenario.NODES_MAX) {
            throw new IllegalArgumentException("nodeCount must be in [2, " + ClusterScenario.NODES_MAX + "], got "
                    + nodeCount);
        }
        this.seed = seed;
        this.nodeCount = nodeCount;
        this.bug = bug;
        this.simulation = Simulation.create(seed);
        RandomGenerator random = simulation.random();
        // At most 1% loss: with a resend every 200 ms, a read that can reach R regions times out only if one link
        // loses five rounds in a row (about 1e-8 per read).
        NetworkConfig net = NetworkConfig.perfect(LatencyModel.uniform(1, 40))
                .withLoss(random.nextDouble() * 0.01)
                .withDuplication(random.nextDouble() * 0.05)
                .withReordering(random.nextDouble() * 0.1, 50);
        this.network = SimNetwork.create(simulation, net);
        for (int i = 0; i < nodeCount; i++) {
            ids.add(ReplicaId.of("n" + (i + 1)));
        }
        SimReplica.Listener listener = new SimReplica.Listener() {
            @Override
            public void acknowledged(ReplicaId node, Object write) {
                Object[] addition = (Object[]) write;
                replicas.get(node).await((Long) addition[2], (Integer) addition[3], WAIT_TIMEOUT_MILLIS);
            }

            @Override
            public void waitAnswered(ReplicaId node, long sequence, int answered, long committedAtMillis) {
                Bytes[] addition = awaitingWait.get(node).remove(sequence);
                if (addition != null) {
                    acknowledged.add(new Acknowledged(addition[0], addition[1], answered + 1, simulation.nowMillis()));
                }
            }
        };
        for (ReplicaId id : ids) {
            List<ReplicaId> peers = new ArrayList<>(ids);
            peers.remove(id);
            replicas.put(id, new SimReplica(id, peers, simulation, network, Durability.EVERYSEC,
                    ClusterScenario.PlantedBug.NONE, random.nextLong(-250, 251), listener));
            awaitingWait.put(id, new HashMap<>());
        }
    }

    /** Runs seed {@code seed} with {@code nodeCount} nodes. */
    public static Result run(long seed, int nodeCount) {
        return new QuorumReadSimulation(seed, nodeCount, PlantedBug.NONE).run();
    }

    /** Runs with a planted bug, to show the checker catches it. */
    public static Result run(long seed, int nodeCount, PlantedBug bug) {
        return new QuorumReadSimulation(seed, nodeCount, bug).run();
    }

    private Result run() {
        replicas.values().forEach(SimReplica::start);
        scheduleFaults();
        for (ReplicaId id : ids) {
            scheduleNextWrite(id);
            scheduleNextRead(id);
        }
        scheduleReachabilitySample();
        simulation.runUntil(WORKLOAD_MILLIS + READ_TIMEOUT_MILLIS + 100);
        linksUp();
        awaitConvergence();
        long repairs = 0;
        for (SimReplica replica : replicas.values()) {
            repairs += replica.core().quorumStatus().get("quorum_repairs_sent");
            if (replica.core().malformedMessages() > 0) {
                violation(replica.id() + " dropped " + replica.core().malformedMessages() + " messages as malformed");
            }
            replica.keyspace().setTaskTime(replica.now());
            for (Acknowledged addition : acknowledged) {
                if (!members(replica, addition.key()).contains(addition.member())) {
                    violation("after the heal " + replica.id() + " lacks acknowledged member " + addition.member()
                            .toUtf8() + " of " + addition.key().toUtf8());
                }
            }
        }
        return new Result(seed, nodeCount, List.copyOf(violations), acknowledged.size(), readsServed, readsChecked,
                membersChecked, timeouts, timeoutsReachable, repairs, partitions);
    }

    private void violation(String text) {
        if (violations.size() < VIOLATIONS_MAX) {
            violations.add("seed " + seed + " at " + simulation.nowMillis() + " ms: " + text);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Faults

    private void scheduleFaults() {
        RandomGenerator random = simulation.random();
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count; i++) {
            long start = random.nextLong(0, WORKLOAD_MILLIS - 500);
            long end = Math.min(WORKLOAD_MILLIS, start + random.nextLong(200, 2_500));
            Partition partition;
            if (random.nextBoolean()) {
                partition = Partition.isolate(ids.get(random.nextInt(ids.size())));
            } else {
                List<ReplicaId> side = new ArrayList<>();
                for (ReplicaId id : ids) {
                    if (random.nextBoolean()) {
                        side.add(id);
                    }
                }
                if (side.isEmpty() || side.size() == ids.size()) {
                    side = List.of(ids.get(0));
                }
                partition = Partition.split(side);
            }
            network.partition(partition, start, end);
            simulation.schedule(end, this::linksUp);
            partitions++;
        }
    }

    private void linksUp() {
        for (SimReplica replica : replicas.values()) {
            for (ReplicaId peer : ids) {
                if (!peer.equals(replica.id())) {
                    replica.core().onPeerConnected(peer, replica.now());
                }
            }
        }
    }

    /** How many regions, the reader included, are up and connected to the reader in both directions now. */
    private int reachable(ReplicaId reader) {
        int count = 1;
        for (ReplicaId peer : ids) {
            if (!peer.equals(reader) && network.isUp(peer) && network.linkOpen(reader, peer)
                    && network.linkOpen(peer, reader)) {
                count++;
            }
        }
        return count;
    }

    private void scheduleReachabilitySample() {
        simulation.after(REACHABILITY_SAMPLE_MILLIS, () -> {
            for (PendingRead read : pendingReads) {
                if (reachable(read.reader) < read.replicas) {
                    read.everUnderConnected = true;
                }
            }
            if (simulation.nowMillis() < WORKLOAD_MILLIS + READ_TIMEOUT_MILLIS + 100) {
                scheduleReachabilitySample();
            }
        });
    }

    // ------------------------------------------------------------------------------------------------------
    // Workload

    private void scheduleNextWrite(ReplicaId id) {
        long gap = 1 + simulation.random().nextLong(2_000 / WRITES_PER_SECOND_PER_NODE);
        if (simulation.nowMillis() + gap >= WORKLOAD_MILLIS) {
            return;
        }
        simulation.after(gap, () -> {
            SimReplica replica = replicas.get(id);
            Bytes key = key(simulation.random().nextInt(KEYS));
            Bytes member = Bytes.ofUtf8(id + "-" + nextMember++);
            Keyspace.Write<Integer> added;
            try {
                replica.keyspace().setTaskTime(replica.now());
                added = replica.keyspace().setAdd(key, List.of(member), replica.now());
            } catch (KeyspaceException e) {
                throw new IllegalStateException("the workload's sets refused an addition: " + e.getMessage(), e);
            }
            long sequenceBefore = replica.core().lastLocalSequence();
            int wait = simulation.random().nextInt(nodeCount);
            long sequence = sequenceBefore + 1;
            awaitingWait.get(id).put(sequence, new Bytes[] {key, member});
            replica.write(new Object[] {key, member, sequence, wait}, added);
            if (replica.core().lastLocalSequence() != sequence) {
                throw new IllegalStateException("an addition of a new member committed no delta");
            }
            scheduleNextWrite(id);
        });
    }

    private void scheduleNextRead(ReplicaId id) {
        long gap = 1 + simulation.random().nextLong(2_000 / READS_PER_SECOND_PER_NODE);
        if (simulation.nowMillis() + gap >= WORKLOAD_MILLIS) {
            return;
        }
        simulation.after(gap, () -> {
            SimReplica replica = replicas.get(id);
            Bytes key = key(simulation.random().nextInt(KEYS));
            int r = 1 + simulation.random().nextInt(nodeCount);
            long startMillis = simulation.nowMillis();
            // What the read must see: additions acknowledged before it started with W + R > N.
            List<Bytes> mustSee = new ArrayList<>();
            for (Acknowledged addition : acknowledged) {
                if (addition.key().equals(key) && addition.copies() + r > nodeCount) {
                    mustSee.add(addition.member());
                }
            }
            PendingRead read = new PendingRead(id, key, r, startMillis);
            if (reachable(id) < r) {
                read.everUnderConnected = true;
            }
            pendingReads.add(read);
            java.util.function.Consumer<QuorumReadOutcome> answer = outcome -> answered(read, outcome, mustSee);
            if (bug == PlantedBug.SERVE_LOCALLY) {
                simulation.after(0, () -> answer.accept(new QuorumReadOutcome(r, r, null)));
            } else if (bug == PlantedBug.FAIL_AT_ONCE && r > 1) {
                simulation.after(0, () -> answer.accept(new QuorumReadOutcome(1, r, "QUORUM timed out after 0 ms")));
            } else {
                replica.quorumRead(key, r, READ_TIMEOUT_MILLIS, answer);
            }
            scheduleNextRead(id);
        });
    }

    private void answered(PendingRead read, QuorumReadOutcome outcome, List<Bytes> mustSee) {
        pendingReads.remove(read);
        SimReplica replica = replicas.get(read.reader);
        if (!outcome.succeeded()) {
            timeouts++;
            if (!read.everUnderConnected) {
                timeoutsReachable++;
                violation("a quorum read of " + read.key.toUtf8() + " at " + read.reader + " with R " + read.replicas
                        + " started at " + read.startMillis + " ms failed although " + read.replicas
                        + " regions were reachable throughout: " + outcome.error());
            }
            if (!outcome.error().startsWith("QUORUM timed out") || outcome.answered() >= outcome.replicas()) {
                violation("a failed quorum read says '" + outcome.error() + "'");
            }
            return;
        }
        readsServed++;
        replica.keyspace().setTaskTime(replica.now());
        Set<Bytes> members = members(replica, read.key);
        if (!mustSee.isEmpty()) {
            readsChecked++;
        }
        for (Bytes member : mustSee) {
            membersChecked++;
            if (!members.contains(member)) {
                violation("a quorum read of " + read.key.toUtf8() + " at " + read.reader + " with R " + read.replicas
                        + " (N " + nodeCount + ") started at " + read.startMillis + " ms misses " + member.toUtf8()
                        + ", acknowledged before it started by enough regions that W + R > N");
            }
        }
    }

    private static Set<Bytes> members(SimReplica replica, Bytes key) {
        try {
            return replica.keyspace().setMembers(key);
        } catch (KeyspaceException e) {
            throw new IllegalStateException("the workload's key " + key.toUtf8() + " is not a set", e);
        }
    }

    private static Bytes key(int index) {
        return Bytes.ofUtf8("set" + index);
    }

    private void awaitConvergence() {
        long deadline = simulation.nowMillis() + CONVERGENCE_MILLIS_MAX;
        while (simulation.nowMillis() < deadline) {
            simulation.runUntil(simulation.nowMillis() + 50);
            byte[] first = null;
            boolean same = true;
            for (SimReplica replica : replicas.values()) {
                byte[] state = Codecs.encode(Keyspace.CODEC, replica.keyspace().state());
                if (first == null) {
                    first = state;
                } else if (!Arrays.equals(first, state)) {
                    same = false;
                }
            }
            if (same) {
                return;
            }
        }
        violation("the replicas did not converge within " + CONVERGENCE_MILLIS_MAX + " ms of the heal");
    }
}
