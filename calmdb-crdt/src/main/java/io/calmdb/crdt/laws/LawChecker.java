package io.calmdb.crdt.laws;

import io.calmdb.crdt.Crdt;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The entry point of the law kit: runs many seeded random cases of a {@link CrdtModel} and throws a
 * {@link LawViolation} (an {@link AssertionError}) describing the first broken {@link Law}.
 *
 * <p>A case starts 3 to 5 empty replicas and runs a random mix of steps: a replica issues an operation (its delta
 * is kept), a delta reaches another replica (late, in random order, sometimes twice), or one replica merges
 * another's whole state. A final drain then delivers every delta everywhere. After every step the changed replica
 * is checked against the others for commutativity, associativity and idempotence of merge, for its codec round
 * trip, and an operation's delta is checked to reproduce the mutation; at the end all replicas must be equal and
 * encode to the same bytes.
 *
 * <p>Half of the cases deliver deltas in causal order, as CalmDB's causal broadcast does (concurrent deltas still
 * arrive in random order, late or twice); those also compare the converged value with the model's oracle. The
 * other half let a delta arrive before the deltas it depends on, which a state-based CRDT must survive too; there
 * a replica may act on a state no causal execution reaches, the intended value is undefined, and only
 * convergence and the lattice laws are checked.
 *
 * <p>Everything is a pure function of the seed: no clock, no threads, no unseeded randomness. A failing case is
 * shrunk by deleting steps while it still fails the same law, and the report prints the case seed with the line
 * that replays it, for example {@code LawChecker.replay(model, 0x1f2e3d4c5b6a7988L)}.
 *
 * <p>Typical use, from any test framework:
 * <pre>{@code
 * LawChecker.check(new MyCounterModel());                                  // 1,000 cases
 * LawChecker.check(new MyCounterModel(), LawConfig.defaults().withCases(10_000).withSeed(42));
 * }</pre>
 */
public final class LawChecker {
    private LawChecker() {}

    /**
     * What a passing check ran, so a test can assert it really exercised the type (an oracle never reached is no
     * proof).
     *
     * @param model the model's name
     * @param cases cases run
     * @param casesCausal cases that delivered deltas in causal order and so compared the value with the oracle
     * @param steps steps run, including the final drains' deliveries
     * @param operationsAccepted operations the type accepted
     * @param operationsRefused operations the type refused ({@link CrdtModel#apply} returned null)
     */
    public record Summary(String model, int cases, int casesCausal, long steps, long operationsAccepted, long operationsRefused) {}

    /** Runs {@link LawConfig#defaults()}: {@value LawConfig#CASES_DEFAULT} cases from a fixed seed. */
    public static <T extends Crdt<T>, O> Summary check(CrdtModel<T, O> model) {
        return check(model, LawConfig.defaults());
    }

    /**
     * Runs {@code config.cases()} cases; case {@code i} uses the {@code i}-th value of
     * {@code new SplittableRandom(config.seed())} as its seed.
     *
     * @throws LawViolation on the first case that breaks a law, after shrinking it
     */
    public static <T extends Crdt<T>, O> Summary check(CrdtModel<T, O> model, LawConfig config) {
        Objects.requireNonNull(model, "model must not be null");
        Objects.requireNonNull(config, "config must not be null");
        SplittableRandom seeds = new SplittableRandom(config.seed());
        long steps = 0;
        long accepted = 0;
        long refused = 0;
        int causal = 0;
        for (int i = 0; i < config.cases(); i++) {
            long caseSeed = seeds.nextLong();
            String origin = "case " + (i + 1) + " of " + config.cases() + " from base seed "
                    + seedLiteral(config.seed());
            CaseGenerator.Outcome<O> outcome = runCase(model, config, caseSeed, origin);
            steps += outcome.steps().size();
            accepted += outcome.operationsAccepted();
            refused += outcome.operationsRefused();
            causal += outcome.causalDelivery() ? 1 : 0;
        }
        return new Summary(model.name(), config.cases(), causal, steps, accepted, refused);
    }

    /** Runs the single case with seed {@code caseSeed} as the default configuration shapes it. */
    public static <T extends Crdt<T>, O> Summary replay(CrdtModel<T, O> model, long caseSeed) {
        return replay(model, caseSeed, LawConfig.defaults());
    }

    /**
     * Runs the single case with seed {@code caseSeed}, shaped by {@code config}'s replica and step bounds (its
     * seed and case count are ignored). Use the exact line a {@link LawViolation} report prints.
     *
     * @throws LawViolation if the case still breaks a law
     */
    public static <T extends Crdt<T>, O> Summary replay(CrdtModel<T, O> model, long caseSeed, LawConfig config) {
        Objects.requireNonNull(model, "model must not be null");
        Objects.requireNonNull(config, "config must not be null");
        CaseGenerator.Outcome<O> outcome = runCase(model, config, caseSeed, "replayed case");
        return new Summary(model.name(), 1, outcome.causalDelivery() ? 1 : 0, outcome.steps().size(), outcome.operationsAccepted(),
                outcome.operationsRefused());
    }

    private static <T extends Crdt<T>, O> CaseGenerator.Outcome<O> runCase(CrdtModel<T, O> model, LawConfig config,
            long caseSeed, String origin) {
        CaseGenerator.Outcome<O> outcome = CaseGenerator.generate(model, config, caseSeed);
        if (outcome.failure() == null) {
            return outcome;
        }
        Shrinker.Result<O> shrunk = Shrinker.shrink(model, outcome.replicaCount(), outcome.causalDelivery(),
                outcome.steps(), outcome.failure(), config.shrinkReplaysMax());
        CaseGenerator.Outcome<O> minimal = CaseGenerator.run(model, outcome.replicaCount(), outcome.causalDelivery(),
                shrunk.steps(), true);
        Failure failure = minimal.failure() != null ? minimal.failure() : outcome.failure();
        throw report(model, config, caseSeed, origin, outcome, shrunk, minimal, failure);
    }

    private static <O> LawViolation report(CrdtModel<?, O> model, LawConfig config, long caseSeed, String origin,
            CaseGenerator.Outcome<O> original, Shrinker.Result<O> shrunk, CaseGenerator.Outcome<O> minimal,
            Failure failure) {
        String replay = config.generatesLikeDefaults()
                ? "LawChecker.replay(model, " + seedLiteral(caseSeed) + ")"
                : "LawChecker.replay(model, " + seedLiteral(caseSeed) + ", " + config.generationExpression() + ")";
        int originalSteps = Math.min(original.steps().size(), original.failure().stepIndex() + 1);
        List<String> history = new ArrayList<>();
        List<String> trace = minimal.trace();
        for (int i = 0; i < trace.size(); i++) {
            history.add((i + 1) + ". " + trace.get(i));
        }
        StringBuilder text = new StringBuilder();
        text.append("CRDT law violated: ").append(failure.law().description()).append(" [").append(failure.law())
                .append("]\n");
        text.append("  model:     ").append(model.name()).append('\n');
        text.append("  case seed: ").append(seedLiteral(caseSeed)).append(" (").append(origin).append(")\n");
        text.append("  replay:    ").append(replay).append('\n');
        text.append("  found:     ").append(failure.detail()).append('\n');
        text.append("  minimal history: ").append(shrunk.steps().size()).append(" of ").append(originalSteps)
                .append(" steps after ").append(shrunk.replays()).append(" shrink replays; ")
                .append(minimal.replicaCount()).append(" replicas r1..r").append(minimal.replicaCount())
                .append(", all empty at the start; ").append(minimal.causalDelivery()
                        ? "deltas delivered in causal order" : "deltas delivered in any order").append(":\n");
        for (String line : history) {
            text.append("    ").append(line).append('\n');
        }
        text.append("    -> ").append(failure.stepIndex() < shrunk.steps().size()
                ? "violated at step " + (failure.stepIndex() + 1)
                : "violated in the final drain and end checks").append(": ").append(failure.law().description());
        return new LawViolation(text.toString(), failure.law(), model.name(), caseSeed, history, failure.cause());
    }

    /** A seed as a Java long literal, ready to paste into a replay call. */
    static String seedLiteral(long seed) {
        return "0x" + Long.toHexString(seed) + "L";
    }
}
