package io.calmdb.sim.experiment;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.broadcast.BroadcastProtocol;
import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.replication.broadcast.DeliveryOrder;
import io.calmdb.replication.broadcast.RelayMessage;
import io.calmdb.sim.BroadcastCluster;
import io.calmdb.sim.DeliveryLog;
import io.calmdb.sim.LatencyModel;
import io.calmdb.sim.NetworkConfig;
import io.calmdb.sim.Simulation;
import io.calmdb.sim.check.BroadcastChecks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lessons' chat: Alice asks a question, adds a follow-up line, and Bob replies as soon as he has read the
 * question. Over a network with widely varying latency, loss and reordering, how many other members see the reply
 * before the question (or the follow-up before the question) with plain, FIFO and causal delivery, and how large
 * the hold-back buffers grow.
 */
final class CausalExperiment implements Experiment {
    static final int DEFAULT_NODES = 6;
    static final int DEFAULT_SEEDS = 200;
    static final int CONVERSATIONS = 15;
    static final long CONVERSATION_WINDOW_MILLIS = 5_000;
    static final long FOLLOW_UP_AFTER_MILLIS = 1;
    static final long THINK_MILLIS = 1;
    static final long RUN_MILLIS = 30_000;
    static final long RETRANSMIT_PERIOD_MILLIS = 100;
    static final int HOLD_BACK_CAPACITY_MESSAGES = 1024;

    enum Mode {
        PLAIN("plain (reliable, no ordering)"),
        FIFO("FIFO"),
        CAUSAL("causal");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    @Override
    public String name() {
        return "causal";
    }

    @Override
    public String summary() {
        return "chat question/reply: replies seen before their question with plain, FIFO and causal delivery";
    }

    record Run(long receivers, long replyBeforeQuestion, long followUpBeforeQuestion, long causalViolations,
            long holdBackHighWater) {}

    static Run run(long seed, int nodes, Mode mode) {
        Simulation simulation = Simulation.create(seed);
        List<ReplicaId> members = Nodes.named(nodes);
        NetworkConfig network = NetworkConfig.perfect(LatencyModel.uniform(5, 300)).withLoss(0.1)
                .withReordering(0.1, 300);
        BroadcastCluster<RelayMessage<String>, String> cluster = BroadcastCluster.create(simulation, network, members,
                (self, all, recovered, random) -> protocol(self, all, mode), 0, true);
        ReplicaId[] askers = new ReplicaId[CONVERSATIONS];
        ReplicaId[] responders = new ReplicaId[CONVERSATIONS];
        cluster.onDelivery((node, id, line) -> {
            if (line.startsWith("q")) {
                int conversation = Integer.parseInt(line.substring(1));
                if (node.equals(responders[conversation])) {
                    cluster.broadcastAt(simulation.nowMillis() + THINK_MILLIS, node, "r" + conversation);
                }
            }
        });
        cluster.start();
        for (int c = 0; c < CONVERSATIONS; c++) {
            askers[c] = members.get(simulation.random().nextInt(nodes));
            responders[c] = members.get((members.indexOf(askers[c]) + 1 + simulation.random().nextInt(nodes - 1))
                    % nodes);
            long at = simulation.random().nextLong(CONVERSATION_WINDOW_MILLIS);
            cluster.broadcastAt(at, askers[c], "q" + c);
            cluster.broadcastAt(at + FOLLOW_UP_AFTER_MILLIS, askers[c], "f" + c);
        }
        simulation.runUntil(RUN_MILLIS);
        // For each node and line, the position at which the node delivered it.
        Map<ReplicaId, Map<String, Integer>> position = new HashMap<>();
        for (DeliveryLog.Delivered<String> delivery : cluster.log().deliveries()) {
            Map<String, Integer> lines = position.computeIfAbsent(delivery.node(), n -> new HashMap<>());
            lines.putIfAbsent(delivery.payload(), lines.size());
        }
        long receivers = 0, replyFirst = 0, followUpFirst = 0;
        for (int c = 0; c < CONVERSATIONS; c++) {
            for (ReplicaId node : members) {
                if (node.equals(askers[c]) || node.equals(responders[c])) {
                    continue;
                }
                receivers++;
                Map<String, Integer> lines = position.getOrDefault(node, Map.of());
                int question = lines.getOrDefault("q" + c, Integer.MAX_VALUE);
                replyFirst += lines.getOrDefault("r" + c, Integer.MAX_VALUE) < question ? 1 : 0;
                followUpFirst += lines.getOrDefault("f" + c, Integer.MAX_VALUE) < question ? 1 : 0;
            }
        }
        long holdBack = 0;
        if (mode != Mode.PLAIN) {
            for (ReplicaId node : members) {
                holdBack = Math.max(holdBack,
                        cluster.protocol(node).gauges().get(Broadcasts.GAUGE_HOLD_BACK_HIGH_WATER_MESSAGES));
            }
        }
        return new Run(receivers, replyFirst, followUpFirst, BroadcastChecks.causalOrder(cluster.log()).count(),
                holdBack);
    }

    private static BroadcastProtocol<RelayMessage<String>, String> protocol(ReplicaId self, List<ReplicaId> all,
            Mode mode) {
        return switch (mode) {
            case PLAIN -> Broadcasts.reliable(self, all, RETRANSMIT_PERIOD_MILLIS);
            case FIFO -> Broadcasts.ordered(self, all, DeliveryOrder.FIFO, RETRANSMIT_PERIOD_MILLIS,
                    HOLD_BACK_CAPACITY_MESSAGES);
            case CAUSAL -> Broadcasts.ordered(self, all, DeliveryOrder.CAUSAL, RETRANSMIT_PERIOD_MILLIS,
                    HOLD_BACK_CAPACITY_MESSAGES);
        };
    }

    @Override
    public ExperimentResult run(ExperimentOptions options, ProgressListener progress) {
        int nodes = options.nodesOr(DEFAULT_NODES);
        if (nodes < 3) {
            throw new IllegalArgumentException("nodes must be >= 3 for a chat with onlookers, got " + nodes);
        }
        int seeds = options.seedsOr(DEFAULT_SEEDS);
        long total = (long) seeds * Mode.values().length;
        long done = 0;
        List<List<Object>> rows = new ArrayList<>();
        boolean causalClean = true;
        for (Mode mode : Mode.values()) {
            long receivers = 0, replyFirst = 0, followUpFirst = 0, violations = 0, holdBackMax = 0;
            double[] holdBack = new double[seeds];
            for (int i = 0; i < seeds; i++) {
                Run run = run(options.seed() + i, nodes, mode);
                receivers += run.receivers();
                replyFirst += run.replyBeforeQuestion();
                followUpFirst += run.followUpBeforeQuestion();
                violations += run.causalViolations();
                holdBack[i] = run.holdBackHighWater();
                holdBackMax = Math.max(holdBackMax, run.holdBackHighWater());
                progress.progress(++done, total);
            }
            if (mode == Mode.CAUSAL) {
                causalClean = replyFirst == 0 && followUpFirst == 0 && violations == 0;
            }
            boolean held = mode != Mode.PLAIN;
            rows.add(List.of(mode.label, receivers, replyFirst, percent(replyFirst, receivers), followUpFirst,
                    violations, held ? Statistics.round(Statistics.mean(holdBack), 2) : "-",
                    held ? holdBackMax : "-", held ? HOLD_BACK_CAPACITY_MESSAGES : "-"));
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("nodes", nodes);
        parameters.put("seeds", seeds);
        parameters.put("firstSeed", options.seed());
        parameters.put("conversationsPerSeed", CONVERSATIONS);
        parameters.put("latencyMillis", "uniform 5..300, 10% loss, 10% reordered by up to 300 ms");
        Table table = new Table("Chat: who sees a reply before its question",
                List.of("delivery", "onlookers", "reply before question", "share", "follow-up before question",
                        "causal-order violations", "hold-back max per run (mean)", "hold-back max",
                        "hold-back bound"),
                rows);
        List<String> notes = List.of(
                "Onlookers are the members other than the asker and the replier, once per conversation.",
                "FIFO keeps each sender's lines in order (no follow-up before its question) but not a reply from"
                        + " another sender; causal delivery holds a reply back until its question is delivered.",
                "Causal-order violations are counted by the independent checker over every delivery of every message.");
        return new ExperimentResult(name(), parameters, List.of(table), notes, causalClean);
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "-" : Statistics.round(100.0 * part / whole, 2) + "%";
    }
}
