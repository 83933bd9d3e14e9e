package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrSet;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.StateCodec;
import io.calmdb.crdt.ValueCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class OrSetLawsTest {
    sealed interface SetOperation {}

    record Add(String element) implements SetOperation {}

    record Remove(String element) implements SetOperation {}

    record Clear() implements SetOperation {}

    /** Few elements, so adds and removes of the same element collide often, concurrently and not. */
    static final List<String> ELEMENTS = List.of("a", "b", "c", "d", "e");
    static final StateCodec<OrSet<String>> CODEC = OrSet.codec(ValueCodec.STRING);

    static final class Model implements CrdtModel<OrSet<String>, SetOperation> {
        @Override
        public String name() {
            return "OrSet";
        }

        @Override
        public OrSet<String> empty() {
            return new OrSet<>();
        }

        @Override
        public SetOperation randomOperation(RandomGenerator random, ReplicaId replica, OrSet<String> state) {
            int roll = random.nextInt(100);
            if (roll < 55) {
                return new Add(ELEMENTS.get(random.nextInt(ELEMENTS.size())));
            }
            if (roll < 92) {
                // Mostly remove what this replica sees, which is what a remove in practice does.
                List<String> present = new ArrayList<>(state.elements());
                present.sort(null);
                boolean removePresent = !present.isEmpty() && random.nextInt(4) != 0;
                return new Remove(removePresent ? present.get(random.nextInt(present.size()))
                        : ELEMENTS.get(random.nextInt(ELEMENTS.size())));
            }
            return new Clear();
        }

        @Override
        public OrSet<String> apply(OrSet<String> state, ReplicaId replica, SetOperation operation) {
            return switch (operation) {
                case Add add -> state.add(replica, add.element());
                case Remove remove -> state.remove(remove.element());
                case Clear clear -> state.clear();
            };
        }

        @Override
        public Object value(OrSet<String> state) {
            return Set.copyOf(state.elements());
        }

        @Override
        public byte[] encode(OrSet<String> state) {
            return Codecs.encode(CODEC, state);
        }

        @Override
        public OrSet<String> decode(byte[] bytes) throws Exception {
            return Codecs.decode(CODEC, bytes);
        }

        @Override
        public Object oracleValue(List<Event<SetOperation>> history) {
            return Oracles.addWinsSet(history, operation -> operation instanceof Add add ? add.element() : null,
                    operation -> operation instanceof Remove remove ? remove.element() : null,
                    operation -> operation instanceof Clear);
        }
    }

    @Test
    void orSet_obeysEveryLaw_inAThousandRandomCases_withAddWinsSemantics() {
        LawChecker.Summary summary = LawChecker.check(new Model());

        assertThat(summary.cases()).isEqualTo(1_000);
        assertThat(summary.casesCausal()).isGreaterThan(400);
        assertThat(summary.operationsAccepted()).isGreaterThan(5_000);
    }
}
