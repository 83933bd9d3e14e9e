package io.calmdb.crdt.laws;

import java.util.List;

/**
 * Thrown by {@link LawChecker} when a type breaks a {@link Law}. It is an {@link AssertionError}, so every test
 * framework reports it as a test failure; its message is the full report (law, model, replayable case seed,
 * what was observed, and the shrunk history step by step), and its fields let a test inspect the failure.
 */
public final class LawViolation extends AssertionError {
    private static final long serialVersionUID = 1L;

    private final Law law;
    private final String modelName;
    private final long caseSeed;
    private final transient List<String> minimalHistory;

    LawViolation(String report, Law law, String modelName, long caseSeed, List<String> minimalHistory,
            Throwable cause) {
        super(report, cause);
        this.law = law;
        this.modelName = modelName;
        this.caseSeed = caseSeed;
        this.minimalHistory = List.copyOf(minimalHistory);
    }

    /** The law that was broken. */
    public Law law() {
        return law;
    }

    /** The {@link CrdtModel#name()} of the model under test. */
    public String modelName() {
        return modelName;
    }

    /** The seed of the failing case: {@code LawChecker.replay(model, caseSeed())} runs it again. */
    public long caseSeed() {
        return caseSeed;
    }

    /** The shrunk history as printed in the report, one line per step, ending with the step that failed. */
    public List<String> minimalHistory() {
        return minimalHistory;
    }
}
