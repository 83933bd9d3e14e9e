package io.calmdb.crdt.laws;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Sequential specifications of the common replicated types, written over an {@link Event} history so a model's
 * {@link CrdtModel#oracleValue} is usually one line. Each one states the intended semantics directly from the
 * operations and their visibility, independently of any merge algorithm, which is what makes it an oracle: it
 * cannot share a bug with the implementation it judges.
 *
 * <p>The semantics follow Shapiro et al., "A comprehensive study of Convergent and Commutative Replicated Data
 * Types" (INRIA RR-7506, 2011) and Burckhardt et al., "Replicated data types: specification, verification,
 * optimality" (POPL 2014).
 */
public final class Oracles {
    private Oracles() {}

    /**
     * A counter's value: the sum of every accepted event's change. {@code change} maps an operation to what it
     * adds (negative for a decrement, zero for an operation that does not count, such as a transfer of rights).
     *
     * @throws ArithmeticException if the sum overflows a long
     */
    public static <O> long counter(List<Event<O>> history, ToLongFunction<? super O> change) {
        long sum = 0;
        for (Event<O> event : history) {
            sum = Math.addExact(sum, change.applyAsLong(event.operation()));
        }
        return sum;
    }

    /**
     * An add-wins (observed-remove) set: element {@code e} is present iff some add of {@code e} was seen by no
     * remove of {@code e}. A remove therefore cancels exactly the adds its replica had observed, and an add
     * concurrent with a remove survives it.
     *
     * @param added the element an operation adds, or null if it adds none
     * @param removed the element an operation removes, or null if it removes none
     * @return the elements present, in the order of their first surviving add
     */
    public static <O, E> Set<E> addWinsSet(List<Event<O>> history, Function<? super O, ? extends E> added,
            Function<? super O, ? extends E> removed) {
        return addWinsSet(history, added, removed, operation -> false);
    }

    /**
     * An add-wins set that also has a clear: as {@link #addWinsSet(List, Function, Function)}, where a clear
     * removes every element it has seen added.
     *
     * @param clears whether an operation removes every element (an observed-remove of all adds it has seen)
     */
    public static <O, E> Set<E> addWinsSet(List<Event<O>> history, Function<? super O, ? extends E> added,
            Function<? super O, ? extends E> removed, Predicate<? super O> clears) {
        Set<E> present = new LinkedHashSet<>();
        for (Event<O> add : history) {
            E element = added.apply(add.operation());
            if (element == null || present.contains(element)) {
                continue;
            }
            boolean cancelled = false;
            for (Event<O> remove : history) {
                if (remove.hasSeen(add) && (clears.test(remove.operation())
                        || element.equals(removed.apply(remove.operation())))) {
                    cancelled = true;
                    break;
                }
            }
            if (!cancelled) {
                present.add(element);
            }
        }
        return Collections.unmodifiableSet(present);
    }

    /**
     * An enable-wins flag: enabled iff some enable was seen by no disable, the one-element case of
     * {@link #addWinsSet}.
     */
    public static <O> boolean enableWins(List<Event<O>> history, Predicate<? super O> enables,
            Predicate<? super O> disables) {
        Object flag = Boolean.TRUE;
        return !addWinsSet(history, operation -> enables.test(operation) ? flag : null,
                operation -> disables.test(operation) ? flag : null).isEmpty();
    }

    /**
     * A last-writer-wins register: the value of the write with the greatest timestamp; equal timestamps are
     * broken by the greater writer {@link io.calmdb.crdt.ReplicaId}, then by the later event. Visibility plays no
     * part: a write loses to a greater timestamp even if it was issued after seeing it.
     *
     * @param timestamp the timestamp an operation writes with, or null if it is not a write
     * @param value the value an operation writes
     * @return the winning value, or empty when nothing was written
     */
    public static <O, K extends Comparable<? super K>, V> Optional<V> lastWriterWins(List<Event<O>> history,
            Function<? super O, ? extends K> timestamp, Function<? super O, ? extends V> value) {
        Event<O> winner = null;
        K winningTimestamp = null;
        for (Event<O> event : history) {
            K candidate = timestamp.apply(event.operation());
            if (candidate == null) {
                continue;
            }
            if (winner == null || isLater(candidate, event, winningTimestamp, winner)) {
                winner = event;
                winningTimestamp = candidate;
            }
        }
        return winner == null ? Optional.empty() : Optional.ofNullable(value.apply(winner.operation()));
    }

    private static <K extends Comparable<? super K>> boolean isLater(K candidate, Event<?> event, K best,
            Event<?> bestEvent) {
        int byTimestamp = candidate.compareTo(best);
        if (byTimestamp != 0) {
            return byTimestamp > 0;
        }
        int byReplica = event.replica().compareTo(bestEvent.replica());
        return byReplica != 0 ? byReplica > 0 : event.id() > bestEvent.id();
    }

    /**
     * A multi-value register: the values of the writes that no other write has seen, that is, the concurrent
     * latest writes. A write overwrites exactly the writes its replica had observed.
     *
     * @param written the value an operation writes, or null if it is not a write
     * @return the surviving values (a set, so two concurrent writes of the same value count once)
     */
    public static <O, V> Set<V> multiValue(List<Event<O>> history, Function<? super O, ? extends V> written) {
        return multiValue(history, written, operation -> false);
    }

    /**
     * A multi-value register that also has a clear: as {@link #multiValue(List, Function)}, where a clear
     * overwrites every write it has seen and writes nothing.
     */
    public static <O, V> Set<V> multiValue(List<Event<O>> history, Function<? super O, ? extends V> written,
            Predicate<? super O> clears) {
        Set<V> values = new LinkedHashSet<>();
        for (Event<O> write : history) {
            V value = written.apply(write.operation());
            if (value == null) {
                continue;
            }
            boolean overwritten = false;
            for (Event<O> later : history) {
                if (later.hasSeen(write)
                        && (written.apply(later.operation()) != null || clears.test(later.operation()))) {
                    overwritten = true;
                    break;
                }
            }
            if (!overwritten) {
                values.add(value);
            }
        }
        return Collections.unmodifiableSet(values);
    }

    /**
     * The events whose operation satisfies {@code filter}, for oracles of composite types: the history of one key
     * of a map, say, to which the oracles above then apply.
     */
    public static <O> List<Event<O>> only(List<Event<O>> history, Predicate<? super O> filter) {
        Objects.requireNonNull(filter, "filter must not be null");
        return history.stream().filter(event -> filter.test(event.operation())).toList();
    }
}
