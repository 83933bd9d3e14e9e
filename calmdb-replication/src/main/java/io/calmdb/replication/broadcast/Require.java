package io.calmdb.replication.broadcast;

/**
 * Boundary checks whose messages name the offending argument, and invariant checks that fail loudly. Kept
 * package-private so that the public surface of the package stays the protocols themselves.
 */
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
