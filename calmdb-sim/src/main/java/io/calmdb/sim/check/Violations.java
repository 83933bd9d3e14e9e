package io.calmdb.sim.check;

import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of checking one property: how many times it was violated and the first few violations, described
 * well enough to find them in a trace.
 *
 * @param property the property's name, such as {@code agreement}
 * @param count how many violations were found
 * @param examples the first {@link #EXAMPLES_MAX} violations
 */
public record Violations(String property, long count, List<String> examples) {
    /** Violations described in full; the rest are only counted. */
    public static final int EXAMPLES_MAX = 10;

    public Violations {
        examples = List.copyOf(examples);
    }

    /** True when the property held. */
    public boolean none() {
        return count == 0;
    }

    @Override
    public String toString() {
        return count == 0 ? property + ": ok" : property + ": " + count + " violation(s), e.g. " + examples;
    }

    /** Collects violations of one property. */
    static final class Collector {
        private final String property;
        private final List<String> examples = new ArrayList<>();
        private long count;

        Collector(String property) {
            this.property = property;
        }

        void add(String description) {
            count++;
            if (examples.size() < EXAMPLES_MAX) {
                examples.add(description);
            }
        }

        Violations result() {
            return new Violations(property, count, examples);
        }
    }
}
