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
     * The same check with the offending value appended as {@code ", got value"}: the message is built only on
     * failure, because these checks sit on every write's path (a dot, a timestamp) and an eager string
     * concatenation there showed up in the server's write profile.
     */
    static void argument(boolean condition, String argumentName, String requirement, long got) {
        if (!condition) {
            throw new IllegalArgumentException(argumentName + " " + requirement + ", got " + got);
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
