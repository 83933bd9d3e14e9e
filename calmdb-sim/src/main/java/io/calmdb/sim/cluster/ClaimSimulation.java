package io.calmdb.sim.cluster;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.claim.ClaimAuthority;
import io.calmdb.replication.claim.ClaimRequest;
import io.calmdb.replication.claim.ClaimResult;
import io.calmdb.replication.claim.ClaimResult.Outcome;
import io.calmdb.replication.keyspace.Keyspace;
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
import java.util.Optional;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The claim workload (issue 8): clients at every region claim names (some with a lease), release what they hold,
 * and take {@code SET NX PX} locks, while partitions cut regions off their authorities, nodes crash (some by a power
 * loss, which only a synced decision survives) and the network loses, duplicates and reorders messages. Clients that
 * hear PENDING poll {@code CLAIM.STATUS} on their region until it resolves. After the workload everything heals and
 * the run checks:
 *
 * <ul>
 *   <li>no name ever had two owners: ordered by the authority's decision time, every hold a client was told of ends
 *       (by a release, or by its lease on the authority's clock) before the next owner's hold begins;
 *   <li>only the authority decides: every ACCEPTED, REJECTED, RELEASED or NOT_OWNER a client heard names the name's
 *       authority, and a claim id never resolves to two different outcomes;
 *   <li>every claim a client heard ACCEPTED and that still holds at the end is visible with its owner at every region,
 *       and is the authority's durable fact.
 * </ul>
 *
 * <p>A run is a pure function of its scenario.
 */
public final class ClaimSimulation {
    /** Names the workload claims (a pool small enough for contention, large enough for many slots). */
    static final int NAMES = 200;
    /** How often a polling client asks {@code CLAIM.STATUS} again, in virtual milliseconds. */
    static final long STATUS_POLL_MILLIS = 300;
    /** How long after the heal the replicas may take to converge, in virtual milliseconds. */
    static final long CONVERGENCE_MILLIS_MAX = 120_000;
    /** Violations kept per run. */
    static final int VIOLATIONS_MAX = 20;
    private static final Bytes NAMESPACE = Bytes.ofUtf8("slug");

    /**
     * What one run does.
     *
     * @param seed                  the run's only source of randomness
     * @param nodes                 regions, 3 to {@link ClusterScenario#NODES_MAX}
     * @param durability            the fsync policy of every node (claim decisions are synced regardless)
     * @param claimsPerSecondPerNode client requests per region per virtual second
     * @param workloadMillis        how long clients claim and faults strike, in virtual milliseconds
     * @param plantedBug            {@link ClusterScenario.PlantedBug#CLAIMS_UNSYNCED} to show the checker catches
     *                              decisions that do not survive a power loss; NONE normally
     */
    public record Scenario(long seed, int nodes, Durability durability, int claimsPerSecondPerNode,
            long workloadMillis, ClusterScenario.PlantedBug plantedBug) {
        public Scenario {
            if (nodes < 3 || nodes > ClusterScenario.NODES_MAX) {
                throw new IllegalArgumentException("nodes must be in [3, " + ClusterScenario.NODES_MAX + "], got "
                        + nodes);
            }
            if (claimsPerSecondPerNode < 1 || claimsPerSecondPerNode > 10_000) {
                throw new IllegalArgumentException("claimsPerSecondPerNode must be in [1, 10000], got "
                        + claimsPerSecondPerNode);
            }
            if (workloadMillis < 1_000) {
                throw new IllegalArgumentException("workloadMillis must be >= 1000, got " + workloadMillis);
            }
        }
    }

    /** What a run found, with its counts. */
    public record Report(Scenario scenario, List<String> violations, long requests, long accepted, long rejected,
            long answeredPending, long pendingResolvedLater, long released, long notOwner, long refused,
            long holdsChecked, long namesChecked, int crashes, int powerLosses, int partitions, long convergedAfterMillis,
            long eventsExecuted) {
        public boolean passed() {
            return violations.isEmpty();
        }

        /** The line a test prints. */
        public String summary() {
            return "claims seed " + scenario.seed() + " nodes " + scenario.nodes() + " " + scenario.durability()
                    + ": " + requests + " requests (" + accepted + " accepted, " + rejected + " rejected, "
                    + answeredPending + " answered PENDING of which " + pendingResolvedLater + " resolved later, "
                    + released + " released, " + notOwner + " not owner, " + refused + " refused), " + holdsChecked
                    + " holds on " + namesChecked + " names checked, " + crashes + " crashes (" + powerLosses
                    + " power losses), " + partitions + " partitions, converged " + convergedAfterMillis
                    + " ms after the heal, " + eventsExecuted + " events; violations: " + violations.size()
                    + (violations.isEmpty() ? "" : " " + violations) + "; replay: ClaimSimulation.run(new "
                    + "ClaimSimulation.Scenario(" + scenario.seed() + "L, " + scenario.nodes() + ", Durability."
                    + scenario.durability() + ", " + scenario.claimsPerSecondPerNode() + ", "
                    + scenario.workloadMillis() + ", PlantedBug." + scenario.plantedBug() + "))";
        }
    }

    /** A request a client made: where, what, and what it has heard so far. */
    private static final class Issued {
        final ReplicaId node;
        final int incarnation;
        final ClaimRequest request;
        final long issuedAtMillis;
        String claimId;
        ClaimResult decision;
        boolean heardPending;

        Issued(ReplicaId node, int incarnation, ClaimRequest request, long issuedAtMillis) {
            this.node = node;
            this.incarnation = incarnation;
            this.request = request;
            this.issuedAtMillis = issuedAtMillis;
        }
    }

    /** A hold a client was told of, in virtual time. */
    private record Hold(String claimId, Bytes owner, long fromMillis, long leaseEndMillis) {}

    private final Scenario scenario;
    private final Simulation simulation;
    private final SimNetwork<byte[]> network;
    private final Map<ReplicaId, SimReplica> replicas = new LinkedHashMap<>();
    private final Map<ReplicaId, Long> skews = new HashMap<>();
    private final List<ReplicaId> ids = new ArrayList<>();
    private final ClaimAuthority authority;
    private final Map<ReplicaId, Map<Long, Issued>> byTicket = new HashMap<>();
    private final List<Issued> issued = new ArrayList<>();
    /** Per client (region), the holds it believes it has and may release: claim id to the issued claim. */
    private final Map<ReplicaId, List<Issued>> holding = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private long violationsDropped;
    private long nextOwner;
    private long nextTicket = 1;
    private long answeredPending;
    private long pendingResolvedLater;
    private int crashes;
    private int powerLosses;
    private int partitions;

    private ClaimSimulation(Scenario scenario) {
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
        this.authority = ClaimAuthority.initial(ids);
        SimReplica.Listener listener = new SimReplica.Listener() {
            @Override
            public void acknowledged(ReplicaId node, Object write) {}

            @Override
            public void waitAnswered(ReplicaId node, long sequence, int replicas, long committedAtMillis) {}

            @Override
            public void claimAnswered(ReplicaId node, long ticket, ClaimResult result) {
                answered(node, ticket, result);
            }
        };
        for (ReplicaId id : ids) {
            List<ReplicaId> peers = new ArrayList<>(ids);
            peers.remove(id);
            long skew = random.nextLong(-250, 251);
            skews.put(id, skew);
            replicas.put(id, new SimReplica(id, peers, simulation, network, scenario.durability(),
                    scenario.plantedBug(), skew, listener));
            byTicket.put(id, new HashMap<>());
            holding.put(id, new ArrayList<>());
        }
    }

    /** Runs {@code scenario} to the end and reports what it found. */
    public static Report run(Scenario scenario) {
        return new ClaimSimulation(scenario).run();
    }

    private Report run() {
        replicas.values().forEach(SimReplica::start);
        long workloadEnd = scenario.workloadMillis();
        scheduleFaults(workloadEnd);
        for (ReplicaId id : ids) {
            scheduleNextRequest(id, workloadEnd);
        }
        simulation.runUntil(workloadEnd);
        for (SimReplica replica : replicas.values()) {
            if (!replica.up()) {
                replica.start();
            }
        }
        linksUp();
        long convergedAfter = awaitSettled(workloadEnd);
        if (convergedAfter < 0) {
            StringBuilder detail = new StringBuilder();
            for (SimReplica replica : replicas.values()) {
                detail.append("; ").append(replica.id()).append(" pending ").append(replica.core().claimsPending())
                        .append(" state bytes ").append(Codecs.encode(Keyspace.CODEC, replica.keyspace().state()).length)
                        .append(" keys ").append(replica.keyspace().state().keys().size())
                        .append(" status ").append(replica.core().status());
            }
            violation("the replicas did not converge, or claims stayed pending, within " + CONVERGENCE_MILLIS_MAX
                    + " ms of the heal" + detail);
        }
        // The last polls: every claim still in flight at a live incarnation resolves now that everything is healed.
        for (Issued claim : issued) {
            poll(claim);
        }
        long[] checked = checkHolds();
        checkVisibleEverywhere();
        long accepted = 0;
        long rejected = 0;
        long released = 0;
        long notOwner = 0;
        long refused = 0;
        for (Issued claim : issued) {
            if (claim.decision == null) {
                continue;
            }
            switch (claim.decision.outcome()) {
                case ACCEPTED -> accepted++;
                case REJECTED -> rejected++;
                case RELEASED -> released++;
                case NOT_OWNER -> notOwner++;
                case REFUSED -> refused++;
                default -> { }
            }
        }
        if (violationsDropped > 0) {
            violations.add("... and " + violationsDropped + " more violations");
        }
        return new Report(scenario, List.copyOf(violations), issued.size(), accepted, rejected, answeredPending,
                pendingResolvedLater, released, notOwner, refused, checked[0], checked[1], crashes, powerLosses,
                partitions, convergedAfter, simulation.eventsExecuted());
    }

    // ------------------------------------------------------------------------------------------------------
    // Workload

    private void scheduleNextRequest(ReplicaId id, long workloadEnd) {
        double meanGapMillis = 1_000.0 / scenario.claimsPerSecondPerNode();
        long gap = Math.max(0, Math.round(simulation.random().nextDouble() * 2 * meanGapMillis));
        if (simulation.nowMillis() + gap >= workloadEnd) {
            return;
        }
        simulation.after(gap, () -> {
            SimReplica replica = replicas.get(id);
            if (replica.up()) {
                requestOnce(replica);
            }
            scheduleNextRequest(id, workloadEnd);
        });
    }

    private void requestOnce(SimReplica replica) {
        RandomGenerator random = simulation.random();
        List<Issued> mine = holding.get(replica.id());
        int choice = random.nextInt(20);
        ClaimRequest request;
        if (choice < 4 && !mine.isEmpty()) {
            Issued held = mine.remove(random.nextInt(mine.size()));
            request = ClaimRequest.release(NAMESPACE, held.request.name(), held.request.owner());
        } else if (choice < 6) {
            Bytes key = Bytes.ofUtf8("lock:" + random.nextInt(NAMES / 4));
            request = ClaimRequest.setIfAbsent(key, owner(replica), 50 + random.nextLong(1_500), 0);
        } else {
            Bytes name = Bytes.ofUtf8("name:" + random.nextInt(NAMES));
            long lease = random.nextInt(3) == 0 ? 50 + random.nextLong(2_000) : 0;
            request = ClaimRequest.claim(NAMESPACE, name, owner(replica), lease);
        }
        Issued claim = new Issued(replica.id(), replica.incarnation(), request, simulation.nowMillis());
        issued.add(claim);
        long ticket = nextTicket++;
        byTicket.get(replica.id()).put(ticket, claim);
        replica.claim(ticket, request, 20 + random.nextLong(500));
    }

    private Bytes owner(SimReplica replica) {
        return Bytes.ofUtf8(replica.id() + "-c" + nextOwner++);
    }

    private void answered(ReplicaId node, long ticket, ClaimResult result) {
        Issued claim = byTicket.get(node).remove(ticket);
        if (claim == null) {
            violation(node + " answered ticket " + ticket + ", which it never issued (or twice)");
            return;
        }
        claim.claimId = result.claimId();
        if (result.outcome() == Outcome.PENDING) {
            answeredPending++;
            claim.heardPending = true;
            schedulePoll(claim);
            return;
        }
        resolved(claim, result);
    }

    private void resolved(Issued claim, ClaimResult result) {
        if (!result.outcome().decided() && result.outcome() != Outcome.REFUSED) {
            return;
        }
        if (claim.decision != null) {
            if (!claim.decision.equals(result)) {
                violation("claim " + claim.claimId + " resolved to " + claim.decision + " and later to " + result);
            }
            return;
        }
        if (result.outcome().decided()) {
            ReplicaId decider = authority.authority(claim.request.name());
            if (!result.authority().equals(decider)) {
                violation("claim " + claim.claimId + " on " + claim.request.name() + " was " + result.outcome()
                        + " by " + result.authority() + ", which is not its authority " + decider);
            }
        }
        if (claim.heardPending) {
            pendingResolvedLater++;
        }
        claim.decision = result;
        if (result.outcome() == Outcome.ACCEPTED && claim.request.kind() == ClaimRequest.Kind.CLAIM) {
            holding.get(claim.node).add(claim);
        }
    }

    private void schedulePoll(Issued claim) {
        simulation.after(STATUS_POLL_MILLIS, () -> {
            if (claim.decision == null && poll(claim) && claim.decision == null) {
                schedulePoll(claim);
            }
        });
    }

    /** Asks the claim's region for its status; false when that region forgot it (it restarted). */
    private boolean poll(Issued claim) {
        SimReplica replica = replicas.get(claim.node);
        if (claim.claimId == null || !replica.up() || replica.incarnation() != claim.incarnation) {
            return false;
        }
        ClaimResult status = replica.core().claimStatus(claim.claimId);
        if (status.outcome() == Outcome.UNKNOWN) {
            violation("region " + claim.node + " forgot claim " + claim.claimId + " in the same incarnation");
            return false;
        }
        resolved(claim, status);
        return true;
    }

    // ------------------------------------------------------------------------------------------------------
    // Checks

    /** A time on {@code node}'s clock as virtual time. */
    private long virtual(ReplicaId node, long clockMillis) {
        return clockMillis - SimReplica.CLOCK_BASE_MILLIS - skews.get(node);
    }

    /** Uniqueness: per name, holds ordered by decision never overlap. Returns {holds checked, names}. */
    private long[] checkHolds() {
        Map<Bytes, List<Hold>> holds = new TreeMap<>();
        for (Issued claim : issued) {
            ClaimRequest request = claim.request;
            Bytes name = holdName(request);
            if (request.kind() == ClaimRequest.Kind.RELEASE) {
                continue;
            }
            if (claim.decision == null || claim.decision.outcome() != Outcome.ACCEPTED) {
                continue;
            }
            ClaimResult result = claim.decision;
            ReplicaId decider = result.authority();
            long from = virtual(decider, result.decidedAtMillis());
            long leaseEnd = result.leaseDeadlineMillis() == 0 ? Long.MAX_VALUE
                    : virtual(decider, result.leaseDeadlineMillis());
            holds.computeIfAbsent(name, n -> new ArrayList<>()).add(new Hold(result.claimId(), request.owner(), from,
                    leaseEnd));
        }
        // Releases: a RELEASED one ends its owner's hold at its decision. NOT_OWNER to the owner's own release means
        // the hold had already ended (an earlier delivery of this very release, resent after the authority restarted
        // and forgot its recent outcomes, released it); that, like a release whose outcome nobody heard, may have
        // ended the hold at any time after it was issued.
        Map<Bytes, Map<Bytes, Long>> releaseOf = new HashMap<>();
        for (Issued claim : issued) {
            if (claim.request.kind() != ClaimRequest.Kind.RELEASE) {
                continue;
            }
            long at;
            if (claim.decision != null && claim.decision.outcome() == Outcome.RELEASED) {
                at = virtual(claim.decision.authority(), claim.decision.decidedAtMillis());
            } else if (claim.decision == null || claim.decision.outcome() == Outcome.NOT_OWNER) {
                at = claim.issuedAtMillis;
            } else {
                continue;
            }
            releaseOf.computeIfAbsent(holdName(claim.request), n -> new HashMap<>()).merge(claim.request.owner(), at,
                    Math::min);
        }
        long checked = 0;
        for (Map.Entry<Bytes, List<Hold>> entry : holds.entrySet()) {
            List<Hold> ordered = new ArrayList<>(entry.getValue());
            ordered.sort((x, y) -> Long.compare(x.fromMillis(), y.fromMillis()));
            Map<Bytes, Long> releases = releaseOf.getOrDefault(entry.getKey(), Map.of());
            for (int i = 1; i < ordered.size(); i++) {
                Hold previous = ordered.get(i - 1);
                Hold next = ordered.get(i);
                long end = Math.min(previous.leaseEndMillis(), releases.getOrDefault(previous.owner(), Long.MAX_VALUE));
                if (!previous.owner().equals(next.owner()) && next.fromMillis() < end) {
                    violation("two owners of " + entry.getKey() + ": " + previous + " (ends at " + end + ") and "
                            + next);
                }
            }
            checked += ordered.size();
        }
        return new long[] {checked, holds.size()};
    }

    /** A claim's name as the checker tracks it: namespace and name. */
    private static Bytes holdName(ClaimRequest request) {
        return Bytes.ofUtf8(request.namespace() + "/" + request.name());
    }

    /**
     * Every hold a client heard ACCEPTED that still holds at the end (a claim without a lease that no release may
     * have ended) is what every region reads, and the authority's own fact.
     */
    private void checkVisibleEverywhere() {
        Map<Bytes, Issued> live = new TreeMap<>();
        java.util.Set<Bytes> maybeReleased = new java.util.HashSet<>();
        for (Issued claim : issued) {
            if (claim.request.kind() == ClaimRequest.Kind.RELEASE) {
                maybeReleased.add(Bytes.ofUtf8(claim.request.name() + "/" + claim.request.owner()));
            }
        }
        for (Issued claim : issued) {
            if (claim.request.kind() == ClaimRequest.Kind.CLAIM && claim.decision != null
                    && claim.decision.outcome() == Outcome.ACCEPTED && claim.decision.leaseDeadlineMillis() == 0
                    && !maybeReleased.contains(Bytes.ofUtf8(claim.request.name() + "/" + claim.request.owner()))) {
                Issued previous = live.put(claim.request.name(), claim);
                if (previous != null && !previous.request.owner().equals(claim.request.owner())) {
                    violation("two unreleased holds without a lease on " + claim.request.name() + ": "
                            + previous.decision + " and " + claim.decision);
                }
            }
        }
        for (Map.Entry<Bytes, Issued> entry : live.entrySet()) {
            for (SimReplica replica : replicas.values()) {
                replica.keyspace().setTaskTime(replica.now());
                Optional<Bytes> owner = replica.core().claimOwner(NAMESPACE, entry.getKey());
                if (!owner.equals(Optional.of(entry.getValue().request.owner()))) {
                    violation(replica.id() + " reads owner " + owner + " for " + entry.getKey() + " after the heal, "
                            + "but " + entry.getValue().decision + " was accepted and never released");
                }
            }
        }
    }

    private void violation(String text) {
        if (violations.size() < VIOLATIONS_MAX) {
            violations.add(text);
        } else {
            violationsDropped++;
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Faults and healing

    private void scheduleFaults(long workloadEnd) {
        RandomGenerator random = simulation.random();
        int partitionCount = 1 + random.nextInt(4);
        for (int i = 0; i < partitionCount; i++) {
            long start = random.nextLong(0, workloadEnd - 500);
            long end = Math.min(workloadEnd - 100, start + random.nextLong(100, 5_000));
            Partition partition = random.nextBoolean() ? Partition.isolate(ids.get(random.nextInt(ids.size())))
                    : Partition.split(List.of(ids.get(0), ids.get(1 + random.nextInt(ids.size() - 1))));
            network.partition(partition, start, Math.max(start, end));
            simulation.schedule(Math.max(start, end), this::linksUp);
            partitions++;
        }
        int crashCount = 1 + random.nextInt(3);
        for (int i = 0; i < crashCount; i++) {
            ReplicaId victim = ids.get(random.nextInt(ids.size()));
            long at = random.nextLong(100, workloadEnd - 500);
            long downFor = random.nextLong(50, 2_000);
            boolean powerLoss = random.nextBoolean();
            simulation.schedule(at, () -> {
                SimReplica replica = replicas.get(victim);
                if (replica.up()) {
                    replica.crash(powerLoss);
                    crashes++;
                    if (powerLoss) {
                        powerLosses++;
                    }
                    byTicket.get(victim).clear();
                    holding.get(victim).clear();
                    simulation.schedule(Math.min(workloadEnd, simulation.nowMillis() + downFor), () -> {
                        if (!replica.up()) {
                            replica.start();
                            linksUp();
                        }
                    });
                }
            });
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

    /** Waits for identical state everywhere and no claim in flight; the milliseconds it took, or -1. */
    private long awaitSettled(long healedAt) {
        long deadline = healedAt + CONVERGENCE_MILLIS_MAX;
        while (simulation.nowMillis() < deadline) {
            simulation.runUntil(Math.min(deadline, simulation.nowMillis() + 100));
            if (settled()) {
                return simulation.nowMillis() - healedAt;
            }
        }
        return -1;
    }

    private boolean settled() {
        byte[] first = null;
        for (SimReplica replica : replicas.values()) {
            if (replica.core().claimsPending() > 0) {
                return false;
            }
            byte[] state = Codecs.encode(Keyspace.CODEC, replica.keyspace().state());
            if (first == null) {
                first = state;
            } else if (!Arrays.equals(first, state)) {
                return false;
            }
        }
        return true;
    }
}
