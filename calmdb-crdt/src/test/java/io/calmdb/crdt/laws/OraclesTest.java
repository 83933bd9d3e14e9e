package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OraclesTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    record Op(String kind, String element, long timestamp) {
        static Op add(String element) {
            return new Op("add", element, 0);
        }

        static Op remove(String element) {
            return new Op("remove", element, 0);
        }

        static Op write(String value, long timestamp) {
            return new Op("write", value, timestamp);
        }
    }

    private static Event<Op> event(int id, ReplicaId replica, Op operation, Integer... seen) {
        return new Event<>(id, replica, operation, Set.of(seen));
    }

    private static Set<String> addWins(List<Event<Op>> history) {
        return Oracles.addWinsSet(history, op -> op.kind().equals("add") ? op.element() : null,
                op -> op.kind().equals("remove") ? op.element() : null);
    }

    @Test
    void addWinsSet_keepsAnAddConcurrentWithARemove() {
        List<Event<Op>> history = List.of(
                event(1, A, Op.add("milk")),
                event(2, B, Op.add("milk")),
                event(3, A, Op.remove("milk"), 1));

        assertThat(addWins(history)).containsExactly("milk");
    }

    @Test
    void addWinsSet_dropsAnElementOnceEveryAddWasSeenByARemove() {
        List<Event<Op>> history = List.of(
                event(1, A, Op.add("milk")),
                event(2, B, Op.add("milk"), 1),
                event(3, A, Op.remove("milk"), 1, 2),
                event(4, B, Op.add("eggs"), 1, 2));

        assertThat(addWins(history)).containsExactly("eggs");
    }

    @Test
    void addWinsSet_keepsAReAddAfterARemoveItHadSeen() {
        List<Event<Op>> history = List.of(
                event(1, A, Op.add("x")),
                event(2, B, Op.remove("x"), 1),
                event(3, A, Op.add("x"), 1, 2));

        assertThat(addWins(history)).containsExactly("x");
    }

    @Test
    void enableWins_isEnabledWhileSomeEnableIsUnseenByEveryDisable() {
        List<Event<Op>> history = List.of(
                event(1, A, Op.add("flag")),
                event(2, B, Op.remove("flag")));

        assertThat(Oracles.enableWins(history, op -> op.kind().equals("add"), op -> op.kind().equals("remove")))
                .isTrue();
        assertThat(Oracles.enableWins(List.of(history.get(0), event(2, B, Op.remove("flag"), 1)),
                op -> op.kind().equals("add"), op -> op.kind().equals("remove"))).isFalse();
    }

    @Test
    void lastWriterWins_takesTheGreatestTimestamp_thenTheGreaterReplica() {
        List<Event<Op>> history = List.of(
                event(1, B, Op.write("late", 20)),
                event(2, A, Op.write("early", 10), 1),
                event(3, A, Op.write("tie-a", 30)),
                event(4, B, Op.write("tie-b", 30)),
                event(5, A, Op.add("not a write")));

        assertThat(Oracles.lastWriterWins(history.subList(0, 2), Op::timestamp, Op::element)).contains("late");
        assertThat(Oracles.lastWriterWins(history, op -> op.kind().equals("write") ? op.timestamp() : null,
                Op::element)).contains("tie-b");
        assertThat(Oracles.lastWriterWins(List.<Event<Op>>of(), Op::timestamp, Op::element))
                .isEqualTo(Optional.empty());
    }

    @Test
    void multiValue_keepsExactlyTheWritesNoOtherWriteHasSeen() {
        List<Event<Op>> history = List.of(
                event(1, A, Op.write("one", 0)),
                event(2, B, Op.write("two", 0), 1),
                event(3, A, Op.write("three", 0)));

        assertThat(Oracles.multiValue(history, Op::element)).containsExactlyInAnyOrder("two", "three");
    }

    @Test
    void counter_sumsTheChanges_andOnlyFiltersEvents() {
        List<Event<Op>> history = List.of(
                event(1, A, new Op("increment", "", 5)),
                event(2, B, new Op("decrement", "", 3)),
                event(3, A, new Op("increment", "", 2)));

        assertThat(Oracles.counter(history, op -> op.kind().equals("increment") ? op.timestamp() : -op.timestamp()))
                .isEqualTo(4);
        assertThat(Oracles.only(history, op -> op.kind().equals("increment"))).extracting(Event::id)
                .containsExactly(1, 3);
    }

    @Test
    void event_rejectsAnIdInItsOwnCausalPast() {
        assertThatThrownBy(() -> event(2, A, Op.add("x"), 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("causalPast");
    }
}
