package io.calmdb.sim.experiment;

/** Told after each simulation an experiment finishes, so a front end can draw a progress bar. */
@FunctionalInterface
public interface ProgressListener {
    /** {@code done} of {@code total} simulations have finished. */
    void progress(long done, long total);

    /** A listener that ignores progress. */
    static ProgressListener none() {
        return (done, total) -> { };
    }
}
