package io.calmdb.crdt.laws;

import io.calmdb.crdt.Crdt;
import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * What {@link LawChecker} needs to know about one CRDT type: how to make an empty replica, how to pick and apply
 * an operation, how to read the value, how to encode a state, and an oracle that says what the value should be.
 *
 * <p>Operations are plain values of type {@code O} (records are ideal) chosen by {@link #randomOperation} and
 * applied by {@link #apply}. Keeping them separate is what lets the checker replay and shrink a failing case: it
 * stores the operation, not the randomness that made it, so a history with steps removed still applies the same
 * operations. An operation should therefore carry everything it needs (the element, the amount, the timestamp)
 * and print readably through {@code toString}.
 *
 * <p>A model may assert invariants of its type inside {@link #apply} or {@link #value} (for example "a bounded
 * counter never goes below zero"): anything they throw is reported as a violation of {@link Law#NO_EXCEPTION}
 * with the seed and a shrunk history.
 *
 * @param <T> the CRDT type under test
 * @param <O> the type of operations the model generates
 */
public interface CrdtModel<T extends Crdt<T>, O> {
    /** A short name for reports, for example {@code "GCounter"}. */
    String name();

    /** A new, empty replica state. Called once per replica per case; must return a fresh object each time. */
    T empty();

    /**
     * Picks an operation for {@code replica} to issue now. Use only {@code random} for choices, so that a case is
     * a pure function of its seed. {@code state} is that replica's live state, given so the model can, for
     * example, remove an element that is present; it must not be modified.
     */
    O randomOperation(RandomGenerator random, ReplicaId replica, T state);

    /**
     * Applies {@code operation} as {@code replica} would: mutates {@code state} and returns the delta the mutator
     * returned. Returns {@code null} when the type refuses the operation (a bounded counter declining a decrement
     * beyond the replica's rights); a refused operation must leave {@code state} unchanged and is left out of the
     * oracle's history.
     */
    T apply(T state, ReplicaId replica, O operation);

    /** The user-visible value of {@code state}, comparable by {@code equals} with {@link #oracleValue}'s result. */
    Object value(T state);

    /**
     * The serialized form of {@code state} (or of a delta, which is a state too). Equal states must give identical
     * bytes. For a CalmDB type this is {@code Codecs.encode(GCounter.codec(), state)}; a type of your own may use
     * any format it ships with.
     */
    byte[] encode(T state);

    /**
     * Reads bytes written by {@link #encode}; {@code decode(encode(s))} must equal {@code s}. Any exception it
     * throws on such bytes is reported as a violation of {@link Law#CODEC_ROUND_TRIP}. For a CalmDB type this is
     * {@code Codecs.decode(GCounter.codec(), bytes)}.
     */
    T decode(byte[] bytes) throws Exception;

    /**
     * The value a correct implementation must converge to after every replica has seen every event in
     * {@code history}, computed from the operations alone (a sequential specification). {@link Oracles} has the
     * usual ones: counters, add-wins sets, enable-wins flags, last-writer-wins and multi-value registers.
     *
     * @param history the accepted events in issue order, each with the events its replica had seen
     */
    Object oracleValue(List<Event<O>> history);
}
