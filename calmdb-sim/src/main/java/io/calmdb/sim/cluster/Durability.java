package io.calmdb.sim.cluster;

/**
 * The fsync policies a simulated node runs under, as the server offers them, with the crash each one must survive
 * without losing an acknowledged write.
 */
public enum Durability {
    /** Acknowledged once synced (group-committed); survives a power loss, which is the crash simulated. */
    ALWAYS,
    /**
     * Acknowledged once written to the log (the page cache), synced every second; survives a process crash
     * ({@code kill -9}), which is the crash simulated. A power loss may lose the last second (not simulated: see
     * docs/simulation.md for why it also risks reusing dots).
     */
    EVERYSEC
}
