package io.calmdb.sim.experiment;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.replication.broadcast.GossipConfig;
import io.calmdb.replication.broadcast.GossipMessage;
import io.calmdb.sim.BroadcastCluster;
import io.calmdb.sim.LatencyModel;
import io.calmdb.sim.NetworkConfig;
import io.calmdb.sim.Simulation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many rounds gossip needs to inform all n nodes of one rumour, for n = 12, 100, 1,000 and 10,000, and what it
 * costs in messages. Rounds are synchronous (link latency 1 ms, period 100 ms) and the fanout is 1, the model of
 * Doerr and Kuennemann (ANALCO 2014), whose bounds on the expected rounds of push are printed beside the measurement.
 */
final class GossipExperiment implements Experiment {
    static final int[] SIZES = {12, 100, 1_000, 10_000};
    static final long PERIOD_MILLIS = 100;
    static final long LATENCY_MILLIS = 1;
    static final int FANOUT = 1;
    /** Rounds of slack added to log2 n + ln n for the rumour lifetime. */
    static final int LIFETIME_SLACK_ROUNDS = 4;

    @Override
    public String name() {
        return "gossip";
    }

    @Override
    public String summary() {
        return "rounds until all n nodes know a rumour (push, pull, push-pull) against the Doerr-Kuennemann bounds";
    }

    /** Default seeds per size: many for small clusters, fewer for 10,000 nodes to stay within a minute. */
    static int defaultSeeds(int nodes) {
        return nodes <= 100 ? 200 : nodes <= 1_000 ? 40 : 6;
    }

    record Run(boolean complete, long rounds, long messages) {}

    static Run run(long seed, int nodes, GossipConfig.Style style) {
        Simulation simulation = Simulation.create(seed);
        List<ReplicaId> members = Nodes.named(nodes);
        GossipConfig config = new GossipConfig(style, FANOUT, PERIOD_MILLIS,
                GossipConfig.lifetimeRoundsFor(nodes, LIFETIME_SLACK_ROUNDS));
        BroadcastCluster<GossipMessage<Integer>, Integer> cluster = BroadcastCluster.create(simulation,
                NetworkConfig.perfect(LatencyModel.fixed(LATENCY_MILLIS)), members,
                (self, all, recovered, random) -> Broadcasts.gossip(self, all, config, random), 0, false);
        int[] informed = {0};
        long[] lastInformedMillis = {0};
        cluster.onDelivery((node, id, payload) -> {
            informed[0]++;
            lastInformedMillis[0] = simulation.nowMillis();
        });
        cluster.start();
        ReplicaId origin = members.get(simulation.random().nextInt(nodes));
        cluster.broadcastAt(0, origin, 1);
        long roundCap = 10L * config.rumourLifetimeRounds();
        long round = 0;
        while (informed[0] < nodes && round < roundCap) {
            round++;
            simulation.runUntil(round * PERIOD_MILLIS + PERIOD_MILLIS - 1);
        }
        boolean complete = informed[0] == nodes;
        long rounds = lastInformedMillis[0] / PERIOD_MILLIS;
        // Keep going until every node has retired the rumour, so the message count is the whole cost of one update.
        simulation.runUntil((rounds + config.rumourLifetimeRounds() + 1) * PERIOD_MILLIS);
        return new Run(complete, rounds, cluster.network().stats().sent());
    }

    @Override
    public ExperimentResult run(ExperimentOptions options, ProgressListener progress) {
        int[] sizes = options.nodes() > 0 ? new int[] {options.nodes()} : SIZES;
        GossipConfig.Style[] styles = GossipConfig.Style.values();
        long total = 0;
        for (int size : sizes) {
            total += (long) options.seedsOr(defaultSeeds(size)) * styles.length;
        }
        long done = 0;
        List<List<Object>> rows = new ArrayList<>();
        for (int size : sizes) {
            int seeds = options.seedsOr(defaultSeeds(size));
            double log2 = Math.log(size) / Math.log(2);
            double low = Math.floor(log2) + Math.log(size) - 1.116;
            double high = Math.ceil(log2) + Math.log(size) + 2.765;
            double nLogN = size * log2;
            for (GossipConfig.Style style : styles) {
                double[] rounds = new double[seeds];
                double[] messages = new double[seeds];
                int incomplete = 0;
                for (int i = 0; i < seeds; i++) {
                    Run run = run(options.seed() + i, size, style);
                    rounds[i] = run.rounds();
                    messages[i] = run.messages();
                    incomplete += run.complete() ? 0 : 1;
                    progress.progress(++done, total);
                }
                boolean push = style == GossipConfig.Style.PUSH;
                rows.add(List.of(size, style.name().toLowerCase().replace('_', '-'), seeds,
                        Statistics.round(Statistics.mean(rounds), 2), Statistics.percentile(rounds, 0.99),
                        push ? Statistics.round(low, 2) + " .. " + Statistics.round(high, 2) : "-",
                        Math.round(Statistics.mean(messages)), Math.round(nLogN),
                        Statistics.round(Statistics.mean(messages) / nLogN, 2), incomplete));
            }
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("firstSeed", options.seed());
        parameters.put("fanout", FANOUT);
        parameters.put("periodMillis", PERIOD_MILLIS);
        parameters.put("latencyMillis", LATENCY_MILLIS);
        parameters.put("lifetimeRounds", "ceil(log2 n + ln n) + " + LIFETIME_SLACK_ROUNDS);
        Table table = new Table("Rounds until all nodes are informed (one rumour, fanout 1)",
                List.of("n", "style", "seeds", "rounds mean", "rounds p99", "push theory (expected)",
                        "messages/update", "n log2 n", "messages / (n log2 n)", "incomplete"),
                rows);
        List<String> notes = List.of(
                "Theory: Doerr and Kuennemann (2014) bound the expected rounds of push between floor(log2 n) + ln n"
                        + " - 1.116 and ceil(log2 n) + ln n + 2.765.",
                "Messages count every gossip message until every node has retired the rumour (lifetime rounds after"
                        + " it learned it); pull styles also pay for the requests of nodes that have nothing new.",
                "incomplete = runs in which the rumour retired before reaching every node.");
        return new ExperimentResult(name(), parameters, List.of(table), notes, true);
    }
}
