package io.calmdb.server.cli;

import io.calmdb.sim.experiment.Experiment;
import io.calmdb.sim.experiment.ExperimentOptions;
import io.calmdb.sim.experiment.ExperimentResult;
import io.calmdb.sim.experiment.Experiments;
import io.calmdb.sim.experiment.ProgressListener;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code calmdb sim EXPERIMENT}: runs one of the deterministic simulator's experiments and prints its tables. The
 * same options always print the same numbers. A progress bar goes to stderr only when stderr is a terminal and the
 * output is not JSON, so pipes and CI logs stay clean.
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "Run a deterministic simulator experiment: gossip, broadcast, causal, efficient-broadcast,"
                + " coordination-tax.")
final class SimCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "EXPERIMENT", description = "The experiment to run.")
    private String experiment;

    @Option(names = "--seed", description = "The first seed (runs use seed, seed+1, ...). Default: ${DEFAULT-VALUE}.")
    private long seed = 1;

    @Option(names = "--seeds", description = "How many seeds to run (default: the experiment's own).")
    private int seeds;

    @Option(names = "--nodes", description = "Cluster size (default: the experiment's own).")
    private int nodes;

    @Option(names = "--json", description = "Print the result as JSON.")
    private boolean json;

    @Option(names = "--list", description = "List the experiments.")
    private boolean list;

    @Override
    public Integer call() {
        if (list || experiment == null) {
            System.out.println("experiments:");
            for (Experiment known : Experiments.all()) {
                System.out.printf("  %-20s %s%n", known.name(), known.summary());
            }
            return experiment == null && !list ? 2 : 0;
        }
        Experiment chosen = Experiments.named(experiment).orElse(null);
        if (chosen == null) {
            System.err.println("calmdb sim: unknown experiment '" + experiment + "'; try --list");
            return 2;
        }
        ExperimentOptions options;
        try {
            options = new ExperimentOptions(seed, seeds, nodes);
        } catch (IllegalArgumentException e) {
            System.err.println("calmdb sim: " + e.getMessage());
            return 2;
        }
        boolean bar = !json && interactiveTerminal();
        ProgressListener progress = bar ? new ProgressBar(System.err, chosen.name()) : ProgressListener.none();
        ExperimentResult result = chosen.run(options, progress);
        System.out.println(json ? ResultFormat.json(result) : ResultFormat.text(result));
        return result.passed() ? 0 : 1;
    }

    /**
     * True when the JVM is attached to a terminal. From JDK 22 {@code System.console()} may exist even when output
     * is redirected, so {@code Console.isTerminal()} is consulted where the running JDK has it (the code is compiled
     * for 21, hence reflection).
     */
    private static boolean interactiveTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
