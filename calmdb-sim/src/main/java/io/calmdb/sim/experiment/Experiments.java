package io.calmdb.sim.experiment;

import java.util.List;
import java.util.Optional;

/** The registry of experiments, by command-line name. */
public final class Experiments {
    private static final List<Experiment> ALL = List.of(new GossipExperiment(), new BroadcastExperiment(),
            new CausalExperiment(), new EfficientBroadcastExperiment(), new CoordinationTaxExperiment(),
            new ClusterExperiment(), new ClaimsExperiment(), new CoordinationExperiment());

    private Experiments() {}

    /** Every experiment, in the order the docs present them. */
    public static List<Experiment> all() {
        return ALL;
    }

    /** The experiment called {@code name}, if any. */
    public static Optional<Experiment> named(String name) {
        return ALL.stream().filter(experiment -> experiment.name().equals(name)).findFirst();
    }
}
