package io.calmdb.sim;

import java.nio.charset.StandardCharsets;

/**
 * The record of what a simulation did, one line per event: {@code time sequence text}. Two runs with the same seed
 * and the same scenario must produce byte-identical traces; that is how the simulator's determinism is tested and
 * how a failing run is compared with its replay.
 *
 * <p>The text kept is bounded by {@link #TEXT_CHARS_MAX}; past it lines are only counted and hashed, so a long run
 * can still be compared by {@link #digest()}.
 */
public final class Trace {
    /** Characters of trace text kept in memory. */
    public static final int TEXT_CHARS_MAX = 16 * 1024 * 1024;

    private final boolean enabled;
    private final StringBuilder text = new StringBuilder();
    private long lines;
    private boolean truncated;
    private long hash = 0xcbf29ce484222325L;

    private Trace(boolean enabled) {
        this.enabled = enabled;
    }

    /** A trace that records every line. */
    public static Trace recording() {
        return new Trace(true);
    }

    /** A trace that records nothing: the default for experiments, which run millions of events. */
    public static Trace off() {
        return new Trace(false);
    }

    /** True when lines are recorded; callers test it before building a line's text. */
    public boolean enabled() {
        return enabled;
    }

    void record(long nowMillis, long sequence, String line) {
        if (!enabled) {
            return;
        }
        String full = nowMillis + " " + sequence + " " + line + "\n";
        for (int i = 0; i < full.length(); i++) {
            hash = (hash ^ full.charAt(i)) * 0x100000001b3L;
        }
        lines++;
        if (text.length() + full.length() <= TEXT_CHARS_MAX) {
            text.append(full);
        } else {
            truncated = true;
        }
    }

    /** The trace text as UTF-8 bytes (possibly truncated, see {@link #truncated()}). */
    public byte[] bytes() {
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The trace text (possibly truncated). */
    public String text() {
        return text.toString();
    }

    /** Lines recorded, including those past the text bound. */
    public long lines() {
        return lines;
    }

    /** True when lines past {@link #TEXT_CHARS_MAX} were hashed but not kept. */
    public boolean truncated() {
        return truncated;
    }

    /** A 64-bit FNV-1a hash of every line recorded, in hex. */
    public String digest() {
        return String.format("%016x", hash);
    }
}
