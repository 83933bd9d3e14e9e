package io.calmdb.sim.experiment;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.GCounter;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.broadcast.BroadcastProtocol;
import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.replication.broadcast.Outbox;
import io.calmdb.replication.broadcast.RelayMessage;
import io.calmdb.sim.LatencyModel;
import io.calmdb.sim.NetworkConfig;
import io.calmdb.sim.Region;
import io.calmdb.sim.SimNetwork;
import io.calmdb.sim.Simulation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The coordination tax of the lessons' first table, measured: one replica in each of Virginia, Frankfurt and Tokyo,
 * a client beside each writing 1,000 times one after another, and three ways to accept a write:
 * <ul>
 *   <li>local CRDT write: the local replica makes the increment durable and answers; the delta travels afterwards
 *       by reliable broadcast;
 *   <li>majority quorum: the local replica answers once one other replica (2 of 3) has made it durable;
 *   <li>leader majority: the write goes to a leader in Virginia, which answers after a majority, as in Raft.
 * </ul>
 * Latency is measured at the client, from sending the write to receiving the answer.
 */
final class CoordinationTaxExperiment implements Experiment {
    static final int WRITES_PER_CLIENT = 1_000;
    static final long DURABLE_WRITE_MILLIS = 1;
    static final double JITTER_FRACTION = 0.1;
    static final long DRAIN_MILLIS = 10_000;
    static final long RETRANSMIT_PERIOD_MILLIS = 200;
    static final Region LEADER_REGION = Region.VIRGINIA;

    enum Mode {
        LOCAL("local CRDT write"),
        QUORUM("majority quorum (2 of 3)"),
        LEADER("leader majority (leader in Virginia)");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    @Override
    public String name() {
        return "coordination-tax";
    }

    @Override
    public String summary() {
        return "write latency per region: local CRDT writes against majority-quorum and leader writes";
    }

    private record Write(long writeId) {}

    private record Answer(long writeId) {}

    private record Replicate(long writeId) {}

    private record Replicated(long writeId) {}

    private record Forward(long writeId) {}

    private record Forwarded(long writeId) {}

    private record Relay(RelayMessage<GCounter> message) {}

    /** Latencies per region, and whether the CRDT replicas converged (local mode only). */
    record Run(Map<Region, List<Long>> latencies, boolean converged, long counterValue) {}

    static Run run(long seed, Mode mode) {
        Simulation simulation = Simulation.create(seed);
        Map<ReplicaId, Region> placement = new LinkedHashMap<>();
        Map<Region, ReplicaId> replicaOf = new LinkedHashMap<>();
        Map<Region, ReplicaId> clientOf = new LinkedHashMap<>();
        for (Region region : Region.values()) {
            String name = region.name().toLowerCase(java.util.Locale.ROOT);
            replicaOf.put(region, ReplicaId.of(name));
            clientOf.put(region, ReplicaId.of("client-" + name));
            placement.put(replicaOf.get(region), region);
            placement.put(clientOf.get(region), region);
        }
        List<ReplicaId> replicas = List.copyOf(replicaOf.values());
        SimNetwork<Object> network = SimNetwork.create(simulation,
                NetworkConfig.perfect(LatencyModel.regions(placement, JITTER_FRACTION)));
        Map<Region, List<Long>> latencies = new LinkedHashMap<>();
        Map<ReplicaId, GCounter> counters = new HashMap<>();
        Map<ReplicaId, BroadcastProtocol<RelayMessage<GCounter>, GCounter>> protocols = new HashMap<>();
        Map<ReplicaId, Outbox<RelayMessage<GCounter>, GCounter>> outboxes = new HashMap<>();

        for (ReplicaId replica : replicas) {
            counters.put(replica, new GCounter());
            BroadcastProtocol<RelayMessage<GCounter>, GCounter> protocol = Broadcasts.reliable(replica, replicas,
                    RETRANSMIT_PERIOD_MILLIS);
            protocols.put(replica, protocol);
            outboxes.put(replica, new Outbox<>() {
                @Override
                public void send(ReplicaId to, RelayMessage<GCounter> message) {
                    network.send(replica, to, new Relay(message));
                }

                @Override
                public void deliver(Dot id, GCounter delta) {
                    counters.get(replica).merge(delta);
                }

                @Override
                public void wakeAt(long atMillis) {
                    simulation.schedule(Math.max(atMillis, simulation.nowMillis()),
                            () -> protocol.tick(simulation.nowMillis(), outboxes.get(replica)));
                }
            });
            Map<Long, ReplicaId> waitingClient = new HashMap<>();
            Map<Long, ReplicaId> waitingForwarder = new HashMap<>();
            Map<Long, Integer> acks = new HashMap<>();
            ReplicaId leader = replicaOf.get(LEADER_REGION);
            network.register(replica, (from, message) -> {
                switch (message) {
                    case Write write -> simulation.after(DURABLE_WRITE_MILLIS, () -> {
                        switch (mode) {
                            case LOCAL -> {
                                GCounter delta = counters.get(replica).increment(replica);
                                protocol.broadcast(delta, simulation.nowMillis(), outboxes.get(replica));
                                network.send(replica, from, new Answer(write.writeId()));
                            }
                            case QUORUM -> {
                                waitingClient.put(write.writeId(), from);
                                replicateToPeers(network, replica, replicas, write.writeId());
                            }
                            case LEADER -> {
                                waitingClient.put(write.writeId(), from);
                                if (replica.equals(leader)) {
                                    replicateToPeers(network, replica, replicas, write.writeId());
                                } else {
                                    network.send(replica, leader, new Forward(write.writeId()));
                                }
                            }
                        }
                    });
                    case Forward forward -> simulation.after(DURABLE_WRITE_MILLIS, () -> {
                        waitingForwarder.put(forward.writeId(), from);
                        replicateToPeers(network, replica, replicas, forward.writeId());
                    });
                    case Replicate replicate -> simulation.after(DURABLE_WRITE_MILLIS,
                            () -> network.send(replica, from, new Replicated(replicate.writeId())));
                    case Replicated replicated -> {
                        // A majority of three is this replica plus the first other one to confirm.
                        if (acks.merge(replicated.writeId(), 1, Integer::sum) == 1) {
                            ReplicaId forwarder = waitingForwarder.remove(replicated.writeId());
                            if (forwarder != null) {
                                network.send(replica, forwarder, new Forwarded(replicated.writeId()));
                            } else {
                                network.send(replica, waitingClient.remove(replicated.writeId()),
                                        new Answer(replicated.writeId()));
                            }
                        }
                    }
                    case Forwarded forwarded -> network.send(replica, waitingClient.remove(forwarded.writeId()),
                            new Answer(forwarded.writeId()));
                    case Relay relay -> protocol.receive(from, relay.message(), simulation.nowMillis(),
                            outboxes.get(replica));
                    default -> throw new IllegalStateException("unexpected message " + message);
                }
            });
        }
        for (Region region : Region.values()) {
            ReplicaId client = clientOf.get(region);
            ReplicaId replica = replicaOf.get(region);
            List<Long> samples = new ArrayList<>(WRITES_PER_CLIENT);
            latencies.put(region, samples);
            long[] sentAt = new long[1];
            long idBase = (long) region.ordinal() * 1_000_000L;
            network.register(client, (from, message) -> {
                Answer answer = (Answer) message;
                samples.add(simulation.nowMillis() - sentAt[0]);
                if (samples.size() < WRITES_PER_CLIENT) {
                    sentAt[0] = simulation.nowMillis();
                    network.send(client, replica, new Write(answer.writeId() + 1));
                }
            });
            simulation.schedule(0, () -> {
                sentAt[0] = simulation.nowMillis();
                network.send(client, replica, new Write(idBase));
            });
        }
        for (ReplicaId replica : replicas) {
            protocols.get(replica).start(0, outboxes.get(replica));
        }
        while (simulation.step()) {
            // Runs until every client has finished and every delta has been acknowledged.
            if (simulation.nowMillis() > 10_000_000L) {
                throw new IllegalStateException("coordination-tax run did not finish");
            }
        }
        GCounter first = counters.get(replicas.get(0));
        boolean converged = counters.values().stream().allMatch(first::equals);
        return new Run(latencies, converged, first.value());
    }

    private static void replicateToPeers(SimNetwork<Object> network, ReplicaId self, List<ReplicaId> replicas,
            long writeId) {
        for (ReplicaId peer : replicas) {
            if (!peer.equals(self)) {
                network.send(self, peer, new Replicate(writeId));
            }
        }
    }

    @Override
    public ExperimentResult run(ExperimentOptions options, ProgressListener progress) {
        int seeds = options.seedsOr(1);
        long total = (long) seeds * Mode.values().length;
        long done = 0;
        Map<Mode, Map<Region, List<Long>>> pooled = new LinkedHashMap<>();
        boolean converged = true;
        long counterValue = 0;
        for (Mode mode : Mode.values()) {
            Map<Region, List<Long>> byRegion = new LinkedHashMap<>();
            for (int i = 0; i < seeds; i++) {
                Run run = run(options.seed() + i, mode);
                run.latencies().forEach((region, samples) ->
                        byRegion.computeIfAbsent(region, r -> new ArrayList<>()).addAll(samples));
                if (mode == Mode.LOCAL) {
                    converged &= run.converged();
                    counterValue = run.counterValue();
                }
                progress.progress(++done, total);
            }
            pooled.put(mode, byRegion);
        }
        List<List<Object>> rows = new ArrayList<>();
        for (Region region : Region.values()) {
            List<Object> row = new ArrayList<>();
            row.add(region.displayName());
            for (Mode mode : Mode.values()) {
                double[] samples = pooled.get(mode).get(region).stream().mapToDouble(Long::doubleValue).toArray();
                row.add(Math.round(Statistics.percentile(samples, 0.5)));
                row.add(Math.round(Statistics.percentile(samples, 0.99)));
                row.add(Math.round(Statistics.max(samples)));
            }
            rows.add(row);
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("seeds", seeds);
        parameters.put("firstSeed", options.seed());
        parameters.put("writesPerClient", WRITES_PER_CLIENT);
        parameters.put("roundTripMillis", "Virginia-Frankfurt 40, Virginia-Tokyo 180, Frankfurt-Tokyo 230, in-region "
                + Region.INTRA_REGION_ROUND_TRIP_MILLIS);
        parameters.put("jitter", "up to +" + Math.round(JITTER_FRACTION * 100) + "% per message");
        parameters.put("durableWriteMillis", DURABLE_WRITE_MILLIS);
        Table table = new Table("Write latency at the client, ms (p50 / p99 / max)",
                List.of("client region", "local p50", "local p99", "local max", "quorum p50", "quorum p99",
                        "quorum max", "leader p50", "leader p99", "leader max"),
                rows);
        List<String> notes = List.of(
                "local = " + Mode.LOCAL.label + "; quorum = " + Mode.QUORUM.label + "; leader = " + Mode.LEADER.label
                        + ".",
                "After the run the three CRDT replicas " + (converged ? "converged" : "did NOT converge")
                        + " to the same counter (value " + counterValue + " = 3 clients x " + WRITES_PER_CLIENT
                        + " writes in the last seed).");
        return new ExperimentResult(name(), parameters, List.of(table), notes, converged);
    }
}
