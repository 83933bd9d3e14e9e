package io.calmdb.replication.broadcast;

/**
 * How a gossip node spreads rumours.
 *
 * @param style push, pull or push-pull
 * @param fanout peers contacted per period (each independently and uniformly at random)
 * @param periodMillis the length of one gossip round
 * @param rumourLifetimeRounds rounds a node keeps spreading a rumour after learning it, before retiring it (the
 *     "blind counter" variant of rumour mongering); a retired rumour is still remembered as delivered
 */
public record GossipConfig(Style style, int fanout, long periodMillis, int rumourLifetimeRounds) {
    /** Which direction rumours travel in a round. */
    public enum Style {
        /** Informed nodes send their rumours to random peers. */
        PUSH,
        /** Every node asks random peers for rumours it lacks. */
        PULL,
        /** Every node sends its rumours and asks for the peer's in the same exchange. */
        PUSH_PULL
    }

    /** The most peers contacted per round. */
    public static final int FANOUT_MAX = 64;
    /** The longest a rumour may stay active, in rounds. */
    public static final int RUMOUR_LIFETIME_MAX_ROUNDS = 10_000;

    public GossipConfig {
        Require.notNull(style, "style");
        Require.argument(fanout >= 1 && fanout <= FANOUT_MAX, "fanout", "must be in [1, " + FANOUT_MAX + "], got "
                + fanout);
        Require.argument(periodMillis > 0, "periodMillis", "must be > 0, got " + periodMillis);
        Require.argument(rumourLifetimeRounds >= 1 && rumourLifetimeRounds <= RUMOUR_LIFETIME_MAX_ROUNDS,
                "rumourLifetimeRounds", "must be in [1, " + RUMOUR_LIFETIME_MAX_ROUNDS + "], got "
                        + rumourLifetimeRounds);
    }

    /**
     * A lifetime long enough for a rumour to reach all of {@code nodes} nodes with high probability when no message
     * is lost: push needs about log2 n + ln n rounds (Frieze and Grimmett 1985; Pittel 1987), so this keeps a
     * rumour active for that many rounds plus {@code slackRounds}.
     */
    public static int lifetimeRoundsFor(int nodes, int slackRounds) {
        Require.argument(nodes >= 1, "nodes", "must be >= 1, got " + nodes);
        Require.argument(slackRounds >= 0, "slackRounds", "must be >= 0, got " + slackRounds);
        double rounds = Math.log(nodes) / Math.log(2) + Math.log(nodes);
        return (int) Math.min(RUMOUR_LIFETIME_MAX_ROUNDS, Math.ceil(rounds) + slackRounds);
    }
}
