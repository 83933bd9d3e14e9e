package io.calmdb.replication.broadcast;

/**
 * How an anti-entropy node exchanges digests, and whether it also pushes new events down a spanning tree.
 *
 * @param exchangePeriodMillis how often a node sends its digest to one random peer
 * @param treeFanout 0 for pure anti-entropy; otherwise new events are also pushed at once along a spanning tree in
 *     which every node has at most this many children (members sorted by id, node {@code i}'s parent is
 *     {@code (i - 1) / treeFanout})
 * @param flushPeriodMillis 0 to push each event down the tree at once; otherwise events for a tree neighbour are
 *     batched and sent every this many milliseconds, trading latency for fewer messages
 * @param repairGraceMillis an event younger than this at the answering node is left out of a repair answer,
 *     because it is most likely still travelling down the tree; 0 ships everything the peer lacks
 */
public record AntiEntropyConfig(long exchangePeriodMillis, int treeFanout, long flushPeriodMillis,
        long repairGraceMillis) {
    /** The largest number of children per tree node. */
    public static final int TREE_FANOUT_MAX = 1024;

    public AntiEntropyConfig {
        Require.argument(exchangePeriodMillis > 0, "exchangePeriodMillis", "must be > 0, got " + exchangePeriodMillis);
        Require.argument(treeFanout >= 0 && treeFanout <= TREE_FANOUT_MAX, "treeFanout", "must be in [0, "
                + TREE_FANOUT_MAX + "], got " + treeFanout);
        Require.argument(flushPeriodMillis >= 0, "flushPeriodMillis", "must be >= 0, got " + flushPeriodMillis);
        Require.argument(repairGraceMillis >= 0, "repairGraceMillis", "must be >= 0, got " + repairGraceMillis);
    }

    /** Pure anti-entropy: events spread only by digest exchange every {@code exchangePeriodMillis}. */
    public static AntiEntropyConfig exchangeOnly(long exchangePeriodMillis) {
        return new AntiEntropyConfig(exchangePeriodMillis, 0, 0, 0);
    }
}
