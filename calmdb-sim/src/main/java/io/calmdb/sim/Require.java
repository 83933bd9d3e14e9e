package io.calmdb.sim;

/** Boundary checks whose messages name the offending argument. */
final class Require {
    private Require() {}

    static void argument(boolean condition, String argumentName, String requirement) {
        if (!condition) {
            throw new IllegalArgumentException(argumentName + " " + requirement);
        }
    }

    static <T> T notNull(T value, String argumentName) {
        if (value == null) {
            throw new NullPointerException(argumentName + " must not be null");
        }
        return value;
    }

    static void state(boolean condition, String invariant) {
        if (!condition) {
            throw new IllegalStateException("invariant violated: " + invariant);
        }
    }
}
