package io.calmdb.crdt.laws;

/**
 * How many cases {@link LawChecker} runs and how large each one is. Immutable; start from {@link #defaults()} and
 * adjust with the {@code with...} methods, for example {@code LawConfig.defaults().withCases(5_000)}.
 *
 * <p>The defaults run {@value #CASES_DEFAULT} cases from a fixed base seed, so a build is reproducible; pass a
 * different seed (say, from a system property in a nightly job) to explore further.
 *
 * @param seed the base seed from which every case derives its own seed
 * @param cases how many random cases to run, at least 1
 * @param replicasMin the fewest replicas in a case, at least 2
 * @param replicasMax the most replicas in a case, at least {@code replicasMin} and at most {@value #REPLICAS_LIMIT}
 * @param stepsMax the most random steps (operations, deliveries, state merges) in a case before the final drain
 * @param shrinkReplaysMax how many replays the shrinker may spend minimising one failing history
 */
public record LawConfig(long seed, int cases, int replicasMin, int replicasMax, int stepsMax, int shrinkReplaysMax) {
    /** The base seed of the default configuration. */
    public static final long SEED_DEFAULT = 0x5EED_CA1D_DBL;
    /** Cases per check by default: the floor of a thousand random cases per type. */
    public static final int CASES_DEFAULT = 1_000;
    /** Replicas per case by default: three to five, enough for three-way concurrency and relayed deltas. */
    public static final int REPLICAS_MIN_DEFAULT = 3;
    /** See {@link #REPLICAS_MIN_DEFAULT}. */
    public static final int REPLICAS_MAX_DEFAULT = 5;
    /** Random steps per case by default, before the drain that delivers every outstanding delta. */
    public static final int STEPS_MAX_DEFAULT = 40;
    /** Replays the shrinker may spend by default; a replay of a short history costs microseconds. */
    public static final int SHRINK_REPLAYS_MAX_DEFAULT = 5_000;
    /** The most replicas a case may have, which bounds the work of every per-step check. */
    public static final int REPLICAS_LIMIT = 16;
    /** The most random steps a case may have, which bounds history length and oracle cost. */
    public static final int STEPS_LIMIT = 10_000;

    /** Validates every bound; each message names the offending argument. */
    public LawConfig {
        requireArgument(cases >= 1, "cases", "must be >= 1, got " + cases);
        requireArgument(replicasMin >= 2, "replicasMin", "must be >= 2, got " + replicasMin);
        requireArgument(replicasMax >= replicasMin && replicasMax <= REPLICAS_LIMIT, "replicasMax",
                "must be in [replicasMin=" + replicasMin + ", " + REPLICAS_LIMIT + "], got " + replicasMax);
        requireArgument(stepsMax >= 1 && stepsMax <= STEPS_LIMIT, "stepsMax",
                "must be in [1, " + STEPS_LIMIT + "], got " + stepsMax);
        requireArgument(shrinkReplaysMax >= 0, "shrinkReplaysMax", "must be >= 0, got " + shrinkReplaysMax);
    }

    /** The default configuration: {@value #CASES_DEFAULT} cases of 3 to 5 replicas from a fixed seed. */
    public static LawConfig defaults() {
        return new LawConfig(SEED_DEFAULT, CASES_DEFAULT, REPLICAS_MIN_DEFAULT, REPLICAS_MAX_DEFAULT,
                STEPS_MAX_DEFAULT, SHRINK_REPLAYS_MAX_DEFAULT);
    }

    /** This configuration with another base seed: a different, equally reproducible set of cases. */
    public LawConfig withSeed(long newSeed) {
        return new LawConfig(newSeed, cases, replicasMin, replicasMax, stepsMax, shrinkReplaysMax);
    }

    /** This configuration running {@code newCases} cases. */
    public LawConfig withCases(int newCases) {
        return new LawConfig(seed, newCases, replicasMin, replicasMax, stepsMax, shrinkReplaysMax);
    }

    /** This configuration with 2 to {@value #REPLICAS_LIMIT} replicas per case, the count drawn per case. */
    public LawConfig withReplicas(int newReplicasMin, int newReplicasMax) {
        return new LawConfig(seed, cases, newReplicasMin, newReplicasMax, stepsMax, shrinkReplaysMax);
    }

    /** This configuration with up to {@code newStepsMax} random steps per case before the final drain. */
    public LawConfig withStepsMax(int newStepsMax) {
        return new LawConfig(seed, cases, replicasMin, replicasMax, newStepsMax, shrinkReplaysMax);
    }

    /** This configuration letting the shrinker replay a failing case at most {@code newShrinkReplaysMax} times. */
    public LawConfig withShrinkReplaysMax(int newShrinkReplaysMax) {
        return new LawConfig(seed, cases, replicasMin, replicasMax, stepsMax, newShrinkReplaysMax);
    }

    /** True when a case seed alone determines a case under this configuration as under the defaults. */
    boolean generatesLikeDefaults() {
        return replicasMin == REPLICAS_MIN_DEFAULT && replicasMax == REPLICAS_MAX_DEFAULT
                && stepsMax == STEPS_MAX_DEFAULT;
    }

    /** Java source that rebuilds the parts of this configuration that shape a single case. */
    String generationExpression() {
        StringBuilder expression = new StringBuilder("LawConfig.defaults()");
        if (replicasMin != REPLICAS_MIN_DEFAULT || replicasMax != REPLICAS_MAX_DEFAULT) {
            expression.append(".withReplicas(").append(replicasMin).append(", ").append(replicasMax).append(')');
        }
        if (stepsMax != STEPS_MAX_DEFAULT) {
            expression.append(".withStepsMax(").append(stepsMax).append(')');
        }
        return expression.toString();
    }

    private static void requireArgument(boolean condition, String argumentName, String requirement) {
        if (!condition) {
            throw new IllegalArgumentException(argumentName + " " + requirement);
        }
    }
}
