package io.calmdb.sim.cluster;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.AtomicWrite;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.sim.LatencyModel;
import io.calmdb.sim.NetworkConfig;
import io.calmdb.sim.Partition;
import io.calmdb.sim.SimNetwork;
import io.calmdb.sim.Simulation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Runs one whole-cluster simulation: {@link ClusterScenario#nodes()} real replica cores under client writes on
 * every type, with partitions (one of them long enough, on some seeds, that the resend queues overflow and a state
 * transfer must repair), crashes that lose what the fsync policy does not protect, restarts, message loss,
 * duplication and reordering, and skewed clocks. After the workload every partition heals and every node comes
 * back; the run then waits for identical state bytes on every replica and checks:
 *
 * <ul>
 *   <li>no acknowledged write is lost (the policy's promise for the crash simulated);
 *   <li>every replica's values equal the {@link WorkloadModel}'s (exactly, on a seed without crashes);
 *   <li>every {@code WAIT} answer counted only peers that really held the write;
 *   <li>key expiry: no read during the run returns a key past its resolved deadline, and once every deadline has
 *       passed the replicas converge again (active expiry's removals replicate) with every key that was never
 *       persisted gone from reads and from memory.
 *   <li>at every replica, at every observation (every {@link #OBSERVE_MILLIS} during the run, right after each
 *       restart, and once converged), every transaction is visible whole or not at all.
 * </ul>
 *
 * <p>A run is a pure function of its scenario: the same seed replays the same run, event for event.
 */
public final class ClusterSimulation {
    /** Client writes per second per node during the workload. */
    static final int WRITES_PER_SECOND_PER_NODE = 150;
    /** How long after the heal the replicas may take to converge, in virtual milliseconds. */
    static final long CONVERGENCE_MILLIS_MAX = 120_000;
    /** How often convergence is checked after the heal, in virtual milliseconds. */
    static final long CONVERGENCE_CHECK_MILLIS = 50;
    /** Keys of each type the workload spreads its writes over. */
    static final int KEYS_PER_TYPE = 3;
    /** The longest time to live the workload gives an expiring key, in milliseconds. */
    static final long TTL_MILLIS_MAX = 1_500;
    /** How long active expiry gets, after the last deadline, to remove every due key, in virtual milliseconds. */
    static final long ACTIVE_EXPIRY_GRACE_MILLIS = 500;
    /** How often every live replica is checked for transactions seen in part, in virtual milliseconds. */
    static final long OBSERVE_MILLIS = 10;
    /** The most writes of one transaction (each a field on its own hash key). */
    static final int TRANSACTION_WRITES_MAX = 3;
    /** Transaction violations kept per run (the first ones tell; the rest would only repeat them). */
    static final int TRANSACTION_VIOLATIONS_MAX = 10;

    private final ClusterScenario scenario;
    private final Simulation simulation;
    private final SimNetwork<byte[]> network;
    private final Map<ReplicaId, SimReplica> replicas = new LinkedHashMap<>();
    private final List<ReplicaId> ids = new ArrayList<>();
    private final WorkloadModel model = new WorkloadModel();
    private final List<String> violations = new ArrayList<>();
    private final Map<ReplicaId, List<Bytes>> ownMembers = new LinkedHashMap<>();
    private long waitsChecked;
    private int crashes;
    private int partitions;
    private long nextUnique;
    private long transactionViolations;
    /** Per replica: the incarnation and transfer count last observed, and when a transfer was last seen applied. */
    private final Map<ReplicaId, List<Long>> transfersSeen = new LinkedHashMap<>();

    private ClusterSimulation(ClusterScenario scenario) {
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
                model.acknowledged((WorkloadModel.Write) write);
            }

            @Override
            public void waitAnswered(ReplicaId node, long sequence, int answered, long committedAtMillis) {
                checkWait(node, sequence, answered, committedAtMillis);
            }
        };
        for (ReplicaId id : ids) {
            List<ReplicaId> peers = new ArrayList<>(ids);
            peers.remove(id);
            long skew = random.nextLong(-250, 251);
            replicas.put(id, new SimReplica(id, peers, simulation, network, scenario.durability(),
                    scenario.plantedBug(), skew, listener));
            ownMembers.put(id, new ArrayList<>());
        }
    }

    /** Runs {@code scenario} to the end and reports what it found. */
    public static ClusterResult run(ClusterScenario scenario) {
        return new ClusterSimulation(scenario).run();
    }

    private ClusterResult run() {
        replicas.values().forEach(SimReplica::start);
        long workloadEnd = scenario.workloadMillis();
        scheduleFaults(workloadEnd);
        for (ReplicaId id : ids) {
            scheduleNextWrite(id, workloadEnd);
        }
        scheduleObservation(workloadEnd);
        simulation.runUntil(workloadEnd);
        // Heal: partitions were scheduled to end by now; every crashed node comes back.
        for (SimReplica replica : replicas.values()) {
            if (!replica.up()) {
                replica.start();
                observe(replica);
            }
        }
        linksUp();
        long convergedAfter = awaitConvergence(workloadEnd);
        long lost = 0;
        if (convergedAfter < 0) {
            StringBuilder detail = new StringBuilder();
            for (SimReplica replica : replicas.values()) {
                detail.append("; ").append(replica.id()).append(" delivered ").append(replica.core().delivered())
                        .append(" context ").append(replica.keyspace().context().versionVector())
                        .append(" status ").append(replica.core().status());
            }
            violations.add("the replicas did not converge within " + CONVERGENCE_MILLIS_MAX + " ms of the heal"
                    + detail);
        }
        for (SimReplica replica : replicas.values()) {
            replica.keyspace().setTaskTime(replica.now());
            observe(replica);
            WorkloadModel.Findings findings = model.check(replica.id(), replica.keyspace(), crashes == 0);
            violations.addAll(findings.violations());
            lost = Math.max(lost, findings.lostAcknowledgedWrites());
        }
        checkAfterEveryDeadline();
        long transfers = 0;
        int checkpointRecoveries = 0;
        for (SimReplica replica : replicas.values()) {
            transfers += replica.core().transfersReceived();
            checkpointRecoveries += replica.recoveriesFromCheckpoint();
        }
        return new ClusterResult(scenario, violations, lost, model.issuedCount(), model.acknowledgedCount(),
                waitsChecked, crashes, partitions, transfers, convergedAfter, checkpointRecoveries,
                model.transactionsIssued(), model.transactionObservations(), model.partialAfterTransfer());
    }

    /**
     * Lets every replica's clock pass the latest deadline a client gave (plus the grace active expiry needs), then
     * waits for the replicas to agree again and checks the expiring keys against the model.
     */
    private void checkAfterEveryDeadline() {
        long slowestClock = Long.MAX_VALUE;
        for (SimReplica replica : replicas.values()) {
            slowestClock = Math.min(slowestClock, replica.now());
        }
        long wait = Math.max(0, model.latestDeadlineMillis() - slowestClock) + ACTIVE_EXPIRY_GRACE_MILLIS;
        simulation.runUntil(simulation.nowMillis() + wait);
        if (awaitConvergence(simulation.nowMillis()) < 0) {
            violations.add("the replicas did not converge again once every key deadline had passed");
        }
        for (SimReplica replica : replicas.values()) {
            replica.keyspace().setTaskTime(replica.now());
            violations.addAll(model.checkExpiring(replica.id(), replica.keyspace(), true));
        }
    }

    private long awaitConvergence(long healedAt) {
        long deadline = healedAt + CONVERGENCE_MILLIS_MAX;
        while (simulation.nowMillis() < deadline) {
            simulation.runUntil(Math.min(deadline, simulation.nowMillis() + CONVERGENCE_CHECK_MILLIS));
            if (converged()) {
                return simulation.nowMillis() - healedAt;
            }
        }
        return -1;
    }

    /** Identical encoded state (values and causal context) on every replica, and nothing left to resend. */
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
        return true;
    }

    private void checkWait(ReplicaId node, long sequence, int answered, long committedAtMillis) {
        waitsChecked++;
        Dot write = Dot.of(node, sequence);
        int holding = 0;
        for (SimReplica peer : replicas.values()) {
            if (peer.id().equals(node)) {
                continue;
            }
            // A peer that crashed after the write was committed may have acknowledged it and then lost it in the
            // crash (what it held back, or had not yet written, is gone); WAIT counts acknowledgements, as Redis's
            // does, so such a peer is given the benefit of the doubt.
            boolean restarted = peer.lastCrashMillis() >= committedAtMillis;
            if (restarted || (peer.up() && peer.core().received(write))) {
                holding++;
            }
        }
        if (answered > holding) {
            StringBuilder detail = new StringBuilder();
            for (SimReplica peer : replicas.values()) {
                if (!peer.id().equals(node)) {
                    detail.append(' ').append(peer.id()).append(peer.up() ? "(delivered " + peer.core().delivered()
                            .get(node) + ")" : "(down)");
                }
            }
            violations.add("WAIT at " + node + " for write " + sequence + " (committed at " + committedAtMillis
                    + " ms) answered " + answered + " replicas at " + simulation.nowMillis() + " ms, but only "
                    + holding + " held it; acknowledged " + replicas.get(node).core().acknowledgedByPeer() + ";"
                    + detail);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Faults

    private void scheduleFaults(long workloadEnd) {
        RandomGenerator random = simulation.random();
        if (random.nextInt(4) == 0) {
            // A long outage of one node: more writes than a resend queue holds pile up for it, so only a state
            // transfer can repair it.
            ReplicaId isolated = ids.get(random.nextInt(ids.size()));
            long start = random.nextLong(200, 1_000);
            network.partition(Partition.isolate(isolated), start, workloadEnd - 100);
            linksComeUpAt(workloadEnd - 100);
            partitions++;
        }
        int shortPartitions = random.nextInt(4);
        for (int i = 0; i < shortPartitions; i++) {
            long start = random.nextLong(0, workloadEnd - 500);
            long end = Math.min(workloadEnd - 100, start + random.nextLong(100, 6_000));
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
            network.partition(partition, start, Math.max(start, end));
            linksComeUpAt(Math.max(start, end));
            partitions++;
        }
        int crashCount = random.nextInt(3);
        for (int i = 0; i < crashCount; i++) {
            ReplicaId victim = ids.get(random.nextInt(ids.size()));
            long at = random.nextLong(100, workloadEnd - 500);
            long downFor = random.nextLong(50, 3_000);
            simulation.schedule(at, () -> {
                SimReplica replica = replicas.get(victim);
                if (replica.up()) {
                    replica.crash();
                    crashes++;
                    long restartAt = Math.min(workloadEnd, simulation.nowMillis() + downFor);
                    simulation.schedule(restartAt, () -> {
                        if (!replica.up()) {
                            replica.start();
                            observe(replica);
                            linksUp();
                        }
                    });
                }
            });
        }
    }

    /**
     * As the server's transport reports a link that connects again, every node up hears that its links are up at
     * {@code atMillis} (just after a heal or a restart); links that are still cut simply get a digest that is lost.
     */
    private void linksComeUpAt(long atMillis) {
        simulation.schedule(atMillis, this::linksUp);
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

    private void scheduleNextWrite(ReplicaId id, long workloadEnd) {
        long meanGapMillis = 1_000 / WRITES_PER_SECOND_PER_NODE;
        long gap = 1 + simulation.random().nextLong(2 * meanGapMillis);
        if (simulation.nowMillis() + gap >= workloadEnd) {
            return;
        }
        simulation.after(gap, () -> {
            SimReplica replica = replicas.get(id);
            if (replica.up()) {
                try {
                    writeOnce(replica);
                } catch (KeyspaceException e) {
                    violations.add(id + ": the keyspace refused a workload write: " + e.getMessage());
                }
            }
            scheduleNextWrite(id, workloadEnd);
        });
    }

    private void writeOnce(SimReplica replica) throws KeyspaceException {
        RandomGenerator random = simulation.random();
        Keyspace keyspace = replica.keyspace();
        long now = replica.now();
        int key = random.nextInt(KEYS_PER_TYPE);
        String unique = replica.id() + "-" + nextUnique++;
        // The client's command sees one instant, as on a node (CalmNode.apply sets it before each task).
        keyspace.setTaskTime(now);
        violations.addAll(model.checkExpiring(replica.id(), keyspace, false));
        switch (random.nextInt(13)) {
            case 0, 1 -> {
                Bytes counter = Bytes.ofUtf8("counter:" + key);
                long amount = 1 + random.nextInt(5);
                issue(replica, new WorkloadModel.Write.Increment(counter, amount),
                        keyspace.incrementBy(counter, amount, now));
            }
            case 2 -> {
                Bytes set = Bytes.ofUtf8("set:" + key);
                Bytes member = Bytes.ofUtf8(unique);
                issue(replica, new WorkloadModel.Write.SetAdd(set, member), keyspace.setAdd(set, List.of(member), now));
                ownMembers.get(replica.id()).add(member);
            }
            case 3 -> removeOwnMember(replica, keyspace);
            case 4 -> {
                if (random.nextBoolean()) {
                    // Half the hash writes are transactions, so the workload's state grows as it did before them.
                    transaction(replica, keyspace, unique, now);
                    return;
                }
                Bytes hash = Bytes.ofUtf8("hash:" + key);
                Bytes field = Bytes.ofUtf8(unique);
                Bytes value = Bytes.ofUtf8("v" + random.nextInt(100));
                issue(replica, new WorkloadModel.Write.HashSet(hash, field, value),
                        keyspace.hashSet(hash, Map.of(field, value), now));
            }
            case 5 -> {
                Bytes hash = Bytes.ofUtf8("tally:" + key);
                Bytes field = Bytes.ofUtf8("f" + random.nextInt(4));
                long amount = 1 + random.nextInt(3);
                issue(replica, new WorkloadModel.Write.HashIncrement(hash, field, amount),
                        keyspace.hashIncrementBy(hash, field, amount, now));
            }
            case 6 -> {
                Bytes register = Bytes.ofUtf8("register:" + key);
                Bytes value = Bytes.ofUtf8(unique);
                issue(replica, new WorkloadModel.Write.Assign(register, value), keyspace.set(register, value, now));
            }
            case 7 -> {
                Bytes expiring = Bytes.ofUtf8("expiring:" + key);
                Bytes value = Bytes.ofUtf8(unique);
                long deadline = now + 1 + random.nextLong(TTL_MILLIS_MAX);
                issue(replica, new WorkloadModel.Write.SetExpiring(expiring, value, deadline),
                        keyspace.setString(expiring, value, deadline, false, false, false, now));
            }
            case 8 -> {
                Bytes expiring = Bytes.ofUtf8("expiring:" + key);
                if (key == 0 && random.nextInt(3) == 0) {
                    // Only expiring:0 is ever persisted, so the other expiring keys must all be gone at the end.
                    Keyspace.Write<Boolean> persisted = keyspace.persist(expiring, now);
                    if (persisted.reply()) {
                        issue(replica, new WorkloadModel.Write.Persist(expiring), persisted);
                    }
                } else {
                    long deadline = now + 1 + random.nextLong(TTL_MILLIS_MAX);
                    Keyspace.Write<Boolean> expired = keyspace.expire(expiring, deadline,
                            Keyspace.ExpiryCondition.ALWAYS, now);
                    if (expired.reply()) {
                        issue(replica, new WorkloadModel.Write.Expire(expiring, deadline), expired);
                    }
                }
            }
            case 10 -> {
                Bytes counter = Bytes.ofUtf8("float:" + key);
                // Quarters are exact in binary and decimal, so the converged sum is exact too.
                java.math.BigDecimal amount = java.math.BigDecimal.valueOf(1 + random.nextInt(8), 2).multiply(
                        java.math.BigDecimal.valueOf(25));
                issue(replica, new WorkloadModel.Write.FloatIncrement(counter, amount),
                        keyspace.incrementByFloat(counter, Bytes.ofUtf8(amount.toPlainString()), now));
            }
            case 11 -> {
                Bytes source = Bytes.ofUtf8("moving:" + key);
                Bytes member = Bytes.ofUtf8(unique);
                issue(replica, new WorkloadModel.Write.MovingAdd(source, member),
                        keyspace.setAdd(source, List.of(member), now));
            }
            case 12 -> {
                Bytes source = Bytes.ofUtf8("moving:" + key);
                if (keyspace.exists(source)) {
                    Bytes destination = Bytes.ofUtf8("moved:" + key + ":" + unique);
                    issue(replica, new WorkloadModel.Write.Rename(source, destination),
                            keyspace.rename(source, destination, false, now));
                }
            }
            default -> {
                long sequence = replica.durableLocalSequence();
                if (sequence > 0) {
                    int wanted = 1 + random.nextInt(ids.size() - 1);
                    replica.await(sequence, wanted, 50 + random.nextLong(500));
                }
            }
        }
    }

    /**
     * A transaction: a unique field on two or three of the {@code txhash} keys, committed as one unit ({@link
     * AtomicWrite}) as {@code EXEC} and scripts commit. The planted bug {@code SPLIT_TRANSACTIONS} commits them one by
     * one instead, the later ones a little later, which is what a node that ran MULTI's commands as they came did.
     */
    private void transaction(SimReplica replica, Keyspace keyspace, String unique, long now) throws KeyspaceException {
        RandomGenerator random = simulation.random();
        int size = 2 + random.nextInt(TRANSACTION_WRITES_MAX - 1);
        List<Integer> keys = new ArrayList<>(List.of(0, 1, 2));
        java.util.Collections.shuffle(keys, new java.util.Random(random.nextLong()));
        List<WorkloadModel.Write.HashSet> parts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            parts.add(new WorkloadModel.Write.HashSet(Bytes.ofUtf8("txhash:" + keys.get(i)), Bytes.ofUtf8(unique),
                    Bytes.ofUtf8("t" + i)));
        }
        WorkloadModel.Write.Transaction transaction = new WorkloadModel.Write.Transaction(unique, parts,
                simulation.nowMillis());
        model.issued(transaction);
        if (scenario.plantedBug() == ClusterScenario.PlantedBug.SPLIT_TRANSACTIONS) {
            ReplicaId id = replica.id();
            int born = replica.incarnation();
            for (int i = 0; i < parts.size(); i++) {
                WorkloadModel.Write.HashSet part = parts.get(i);
                Runnable commit = () -> {
                    SimReplica live = replicas.get(id);
                    if (live.up() && live.incarnation() == born) {
                        try {
                            live.write(part, live.keyspace().hashSet(part.key(), Map.of(part.field(), part.value()),
                                    live.now()));
                        } catch (KeyspaceException e) {
                            violations.add(id + ": the keyspace refused a workload write: " + e.getMessage());
                        }
                    }
                };
                if (i == 0) {
                    commit.run();
                } else {
                    simulation.after(1 + random.nextLong(5 * i), commit);
                }
            }
            return;
        }
        AtomicWrite unit = new AtomicWrite();
        for (WorkloadModel.Write.HashSet part : parts) {
            unit.add(keyspace.hashSet(part.key(), Map.of(part.field(), part.value()), now));
        }
        replica.write(transaction, unit.toWrite(null));
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

    /** Checks that {@code replica} shows every transaction whole or not at all, now. */
    private void observe(SimReplica replica) {
        long transfers = replica.core().transfersReceived();
        List<Long> seen = transfersSeen.computeIfAbsent(replica.id(), id -> new ArrayList<>(List.of(-1L, -1L, -1L)));
        if (seen.get(0) != replica.incarnation() || seen.get(1) != transfers) {
            if (seen.get(0) == replica.incarnation() && transfers > seen.get(1)) {
                // A transfer was applied since the last observation, at most OBSERVE_MILLIS ago.
                seen.set(2, simulation.nowMillis());
            }
            seen.set(0, (long) replica.incarnation());
            seen.set(1, transfers);
        }
        for (String violation : model.checkTransactions(replica.id(), replica.keyspace(), simulation.nowMillis(),
                seen.get(2))) {
            if (transactionViolations++ < TRANSACTION_VIOLATIONS_MAX) {
                violations.add(violation);
            }
        }
    }

    private void removeOwnMember(SimReplica replica, Keyspace keyspace) throws KeyspaceException {
        List<Bytes> mine = ownMembers.get(replica.id());
        if (mine.isEmpty()) {
            return;
        }
        Bytes member = mine.remove(simulation.random().nextInt(mine.size()));
        for (int key = 0; key < KEYS_PER_TYPE; key++) {
            Bytes set = Bytes.ofUtf8("set:" + key);
            if (keyspace.setContains(set, member)) {
                // Only a member this region sees is removed, so the removal observes the member's one add.
                issue(replica, new WorkloadModel.Write.SetRemove(set, member), keyspace.setRemove(set, List.of(member)));
                return;
            }
        }
    }

    private void issue(SimReplica replica, WorkloadModel.Write write, Keyspace.Write<?> applied) {
        model.issued(write);
        replica.write(write, applied);
    }
}
