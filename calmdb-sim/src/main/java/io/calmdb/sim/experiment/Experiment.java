package io.calmdb.sim.experiment;

/**
 * One runnable experiment. Running it is a pure function of its options: the same options print the same tables.
 */
public interface Experiment {
    /** The name used on the command line, such as {@code gossip}. */
    String name();

    /** One sentence on what the experiment shows. */
    String summary();

    /** Runs the experiment, reporting each finished simulation to {@code progress}. */
    ExperimentResult run(ExperimentOptions options, ProgressListener progress);
}
