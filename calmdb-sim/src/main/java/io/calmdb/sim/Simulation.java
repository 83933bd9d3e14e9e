package io.calmdb.sim;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The heart of the simulator: virtual time in milliseconds, one queue of events ordered by (time, sequence), and
 * one random generator seeded once. Events run one at a time on the caller's thread, so a run is a pure function of
 * its seed and scenario: the same seed replays the same run, event for event.
 *
 * <p>Every source of nondeterminism in a scenario must come from here: time from {@link #nowMillis()}, randomness
 * from {@link #random()}, concurrency from the order of events. Events at the same millisecond run in the order they
 * were scheduled (the sequence number breaks the tie), never in hash or thread order.
 */
public final class Simulation {
    /** Events waiting at once; more means a runaway scenario (a timer storm), which fails loudly. */
    public static final int PENDING_EVENTS_MAX = 20_000_000;

    private record Event(long atMillis, long sequence, Runnable action) {}

    private final long seed;
    private final SplittableRandom random;
    private final Trace trace;
    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.atMillis != b.atMillis
            ? Long.compare(a.atMillis, b.atMillis) : Long.compare(a.sequence, b.sequence));
    private long nowMillis;
    private long nextSequence;
    private long currentSequence;
    private long eventsExecuted;

    private Simulation(long seed, Trace trace) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.trace = Require.notNull(trace, "trace");
    }

    /** A simulation at time 0 whose randomness comes from {@code seed}, without a trace. */
    public static Simulation create(long seed) {
        return new Simulation(seed, Trace.off());
    }

    /** A simulation at time 0 whose randomness comes from {@code seed}, writing to {@code trace}. */
    public static Simulation create(long seed, Trace trace) {
        return new Simulation(seed, trace);
    }

    /** The seed this run was created with. */
    public long seed() {
        return seed;
    }

    /** The current virtual time. */
    public long nowMillis() {
        return nowMillis;
    }

    /** The run's only random generator. Draw from it only inside events, so that draws happen in event order. */
    public RandomGenerator random() {
        return random;
    }

    /** The trace this run writes to. */
    public Trace trace() {
        return trace;
    }

    /** True when the trace records lines; check before building a line's text. */
    public boolean tracing() {
        return trace.enabled();
    }

    /** Appends a line to the trace, stamped with the current time and event sequence. */
    public void trace(String line) {
        trace.record(nowMillis, currentSequence, line);
    }

    /** Runs {@code action} at virtual time {@code atMillis}, which must not be in the past. */
    public void schedule(long atMillis, Runnable action) {
        Require.argument(atMillis >= nowMillis, "atMillis", "must not be in the past (now " + nowMillis + "), got "
                + atMillis);
        Require.notNull(action, "action");
        Require.state(queue.size() < PENDING_EVENTS_MAX, "at most " + PENDING_EVENTS_MAX + " pending events");
        queue.add(new Event(atMillis, nextSequence++, action));
    }

    /** Runs {@code action} {@code delayMillis} (>= 0) from now. */
    public void after(long delayMillis, Runnable action) {
        Require.argument(delayMillis >= 0, "delayMillis", "must be >= 0, got " + delayMillis);
        schedule(nowMillis + delayMillis, action);
    }

    /** Runs the next event; returns false when none is left. */
    public boolean step() {
        Event event = queue.poll();
        if (event == null) {
            return false;
        }
        nowMillis = event.atMillis;
        currentSequence = event.sequence;
        eventsExecuted++;
        event.action.run();
        return true;
    }

    /** Runs every event due at or before {@code endMillis}, then sets the clock to {@code endMillis}. */
    public void runUntil(long endMillis) {
        Require.argument(endMillis >= nowMillis, "endMillis", "must not be in the past (now " + nowMillis + "), got "
                + endMillis);
        while (!queue.isEmpty() && queue.peek().atMillis <= endMillis) {
            step();
        }
        nowMillis = endMillis;
    }

    /** Runs events until none is left or the next is after {@code deadlineMillis}; returns true when none is left. */
    public boolean runUntilIdle(long deadlineMillis) {
        while (!queue.isEmpty() && queue.peek().atMillis <= deadlineMillis) {
            step();
        }
        return queue.isEmpty();
    }

    /** Events waiting to run. */
    public int pendingEvents() {
        return queue.size();
    }

    /** Events run so far. */
    public long eventsExecuted() {
        return eventsExecuted;
    }
}
