package io.calmdb.crdt;

/**
 * Boundary checks whose messages name the offending argument. Programmer errors inside the library use
 * {@link #state} and surface as {@link IllegalStateException}; bad caller input uses {@link #argument}.
 */
final class Checks {
    private Checks() {}

    static void argument(boolean condition, String argumentName, String requirement) {
        if (!condition) {
            throw new IllegalArgumentException(argumentName + " " + requirement);
        }
    }

    /**
     * Like {@link #argument(boolean, String, String)}, appending {@code value} to the requirement only when the
     * check fails: hot paths call this so that a passing check builds no string.
     */
    static void argument(boolean condition, String argumentName, String requirement, long value) {
        if (!condition) {
            throw new IllegalArgumentException(argumentName + " " + requirement + value);
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
