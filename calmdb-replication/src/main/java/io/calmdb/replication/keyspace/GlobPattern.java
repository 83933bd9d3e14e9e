package io.calmdb.replication.keyspace;

/**
 * Redis's glob matching for {@code KEYS} and {@code SCAN MATCH}: {@code *} any run, {@code ?} one byte,
 * {@code [abc]}, {@code [^a]} and {@code [a-z]} classes, and {@code \} escaping the next byte. Matching works on
 * bytes, as Redis does. It backtracks only to the most recent {@code *}, so its cost is bounded by pattern length
 * times key length whatever the pattern: a hostile pattern cannot make it exponential.
 */
public final class GlobPattern {
    private final byte[] pattern;

    private GlobPattern(byte[] pattern) {
        this.pattern = pattern;
    }

    public static GlobPattern of(byte[] pattern) {
        return new GlobPattern(pattern.clone());
    }

    /** True when the pattern is {@code *}, which matches everything and lets callers skip matching. */
    public boolean matchesEverything() {
        return pattern.length == 1 && pattern[0] == '*';
    }

    public boolean matches(byte[] text) {
        int p = 0, t = 0, starP = -1, starT = -1;
        while (t < text.length) {
            if (p < pattern.length && pattern[p] == '*') {
                starP = p++;
                starT = t;
            } else if (p < pattern.length && matchesOne(p, text[t])) {
                p = tokenEnd(p);
                t++;
            } else if (starP >= 0) {
                p = starP + 1;
                t = ++starT;
            } else {
                return false;
            }
        }
        while (p < pattern.length && pattern[p] == '*') {
            p++;
        }
        return p == pattern.length;
    }

    /** The index just after the single-byte token starting at {@code p}. */
    private int tokenEnd(int p) {
        byte c = pattern[p];
        if (c == '\\' && p + 1 < pattern.length) {
            return p + 2;
        }
        if (c != '[') {
            return p + 1;
        }
        int end = p + 1;
        if (end < pattern.length && pattern[end] == '^') {
            end++;
        }
        while (end < pattern.length && pattern[end] != ']') {
            end += pattern[end] == '\\' && end + 1 < pattern.length ? 2 : 1;
        }
        return Math.min(end + 1, pattern.length);
    }

    private boolean matchesOne(int p, byte b) {
        byte c = pattern[p];
        if (c == '?') {
            return true;
        }
        if (c == '\\' && p + 1 < pattern.length) {
            return pattern[p + 1] == b;
        }
        if (c != '[') {
            return c == b;
        }
        int i = p + 1;
        boolean negate = i < pattern.length && pattern[i] == '^';
        if (negate) {
            i++;
        }
        boolean matched = false;
        int value = b & 0xFF;
        while (i < pattern.length && pattern[i] != ']') {
            if (pattern[i] == '\\' && i + 1 < pattern.length) {
                matched |= pattern[i + 1] == b;
                i += 2;
            } else if (i + 2 < pattern.length && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
                int low = Math.min(pattern[i] & 0xFF, pattern[i + 2] & 0xFF);
                int high = Math.max(pattern[i] & 0xFF, pattern[i + 2] & 0xFF);
                matched |= value >= low && value <= high;
                i += 3;
            } else {
                matched |= pattern[i] == b;
                i++;
            }
        }
        return matched != negate;
    }
}
