package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.random.RandomGenerator;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * The kit must catch every kind of broken type, name the law, print a replayable seed and shrink the history to
 * the few steps that matter. Each broken type here is correct except for one switch, and the correct setting of
 * that switch passes, so each test fails if the kit stops noticing.
 */
class LawCheckerTest {
    /** Enough cases to find each deliberate bug quickly while keeping this class fast. */
    private static final LawConfig CONFIG = LawConfig.defaults().withCases(200);

    enum Refusal { NONE, CLEAN, MUTATING }

    record Increment(long amount) {}

    /** Increments of 1 to 5; with a refusal mode, amounts above 3 are refused (cleanly or not). */
    record SlotCounterModel(SlotCounter.Merge merge, SlotCounter.Delta delta, Refusal refusal, long valueMax)
            implements CrdtModel<SlotCounter, Increment> {
        static SlotCounterModel of(SlotCounter.Merge merge, SlotCounter.Delta delta) {
            return new SlotCounterModel(merge, delta, Refusal.NONE, Long.MAX_VALUE);
        }

        @Override
        public String name() {
            return "SlotCounter(" + merge + ", " + delta + ", refusal " + refusal + ")";
        }

        @Override
        public SlotCounter empty() {
            return new SlotCounter(merge, delta);
        }

        @Override
        public Increment randomOperation(RandomGenerator random, ReplicaId replica, SlotCounter state) {
            return new Increment(1 + random.nextInt(5));
        }

        @Override
        public SlotCounter apply(SlotCounter state, ReplicaId replica, Increment operation) {
            boolean refused = refusal != Refusal.NONE && operation.amount() > 3;
            if (refused && refusal == Refusal.CLEAN) {
                return null;
            }
            SlotCounter result = state.increment(replica, operation.amount());
            if (state.value() > valueMax) {
                throw new AssertionError("invariant: value " + state.value() + " exceeds " + valueMax);
            }
            return refused ? null : result;
        }

        @Override
        public Object value(SlotCounter state) {
            return state.value();
        }

        @Override
        public byte[] encode(SlotCounter state) {
            return state.encode();
        }

        @Override
        public SlotCounter decode(byte[] bytes) throws Exception {
            return SlotCounter.decode(bytes, merge, delta);
        }

        @Override
        public Object oracleValue(List<Event<Increment>> history) {
            return Oracles.counter(history, Increment::amount);
        }
    }

    sealed interface SetOperation {}

    record Add(String element) implements SetOperation {}

    record Remove(String element) implements SetOperation {}

    /** Adds (and, when {@code withRemoves}, removes) of four elements, judged by the add-wins oracle. */
    record StringSetModel(StringSet.Merge merge, StringSet.Encoding encoding, boolean withRemoves)
            implements CrdtModel<StringSet, SetOperation> {
        private static final List<String> ELEMENTS = List.of("a", "b", "c", "d");

        @Override
        public String name() {
            return "StringSet(" + merge + ", " + encoding + (withRemoves ? ", with removes" : "") + ")";
        }

        @Override
        public StringSet empty() {
            return new StringSet(merge, encoding);
        }

        @Override
        public SetOperation randomOperation(RandomGenerator random, ReplicaId replica, StringSet state) {
            String element = ELEMENTS.get(random.nextInt(ELEMENTS.size()));
            return withRemoves && random.nextInt(3) == 0 ? new Remove(element) : new Add(element);
        }

        @Override
        public StringSet apply(StringSet state, ReplicaId replica, SetOperation operation) {
            return switch (operation) {
                case Add add -> state.add(add.element());
                // A grow-only set ignores removes: its delta is empty, which is a correct delta for doing nothing.
                case Remove remove -> new StringSet(merge, encoding);
            };
        }

        @Override
        public Object value(StringSet state) {
            return state.value();
        }

        @Override
        public byte[] encode(StringSet state) {
            return state.encode();
        }

        @Override
        public StringSet decode(byte[] bytes) throws Exception {
            return StringSet.decode(bytes, merge, encoding);
        }

        @Override
        public Object oracleValue(List<Event<SetOperation>> history) {
            return Oracles.addWinsSet(history, operation -> operation instanceof Add add ? add.element() : null,
                    operation -> operation instanceof Remove remove ? remove.element() : null);
        }
    }

    @Test
    void counterWhoseMergeAddsSlots_isCaughtAsNotIdempotent_withTheSeedAndAOneStepHistory() {
        SlotCounterModel model = SlotCounterModel.of(SlotCounter.Merge.SUM, SlotCounter.Delta.NEW_SLOT_VALUE);

        LawViolation violation = violationOf(() -> LawChecker.check(model, CONFIG));

        assertReport(violation, Law.MERGE_IDEMPOTENT, model);
        assertThat(violation.minimalHistory()).singleElement().asString().matches("1\\. #\\d+ at r\\d: Increment.*");
    }

    @Test
    void setWhoseMergeLetsTheOtherTakeAll_isCaughtAsNotCommutative() {
        StringSetModel model = new StringSetModel(StringSet.Merge.REPLACE_WITH_OTHER, StringSet.Encoding.SORTED,
                false);

        LawViolation violation = violationOf(() -> LawChecker.check(model, CONFIG));

        assertReport(violation, Law.MERGE_COMMUTATIVE, model);
        assertThat(violation.minimalHistory()).singleElement().asString().contains("Add[element=");
    }

    @Test
    void growOnlySetJudgedByAnAddWinsOracle_isCaughtByTheOracle_withTheAddAndTheRemove() {
        StringSetModel model = new StringSetModel(StringSet.Merge.UNION, StringSet.Encoding.SORTED, true);

        LawViolation violation = violationOf(() -> LawChecker.check(model, CONFIG));

        assertReport(violation, Law.ORACLE, model);
        assertThat(violation.getMessage()).contains("violated in the final drain and end checks");
        List<String> operations = violation.minimalHistory().stream().filter(line -> line.contains(" at r")).toList();
        assertThat(operations).hasSize(2);
        assertThat(operations.get(0)).contains("Add[element=");
        assertThat(operations.get(1)).contains("Remove[element=");
    }

    @Test
    void deltaCarryingOnlyTheAmount_isCaughtAsNotEqualToTheMutation_withTwoIncrementsAtOneReplica() {
        SlotCounterModel model = SlotCounterModel.of(SlotCounter.Merge.MAXIMUM, SlotCounter.Delta.AMOUNT_ONLY);

        LawViolation violation = violationOf(() -> LawChecker.check(model, CONFIG));

        assertReport(violation, Law.DELTA_EQUALS_MUTATION, model);
        assertThat(violation.minimalHistory()).hasSize(2).allMatch(line -> line.contains(" at r"));
    }

    @Test
    void setEncodedInInsertionOrder_isCaughtEncodingEqualStatesDifferently() {
        StringSetModel model = new StringSetModel(StringSet.Merge.UNION, StringSet.Encoding.INSERTION_ORDER,
                false);

        LawViolation violation = violationOf(() -> LawChecker.check(model, CONFIG));

        assertReport(violation, Law.IDENTICAL_BYTES, model);
        assertThat(violation.minimalHistory()).hasSize(2);
    }

    @Test
    void correctSettingsOfTheSameTypes_passEveryLaw() {
        LawChecker.Summary counter = LawChecker.check(
                SlotCounterModel.of(SlotCounter.Merge.MAXIMUM, SlotCounter.Delta.NEW_SLOT_VALUE), CONFIG);
        LawChecker.Summary set = LawChecker.check(
                new StringSetModel(StringSet.Merge.UNION, StringSet.Encoding.SORTED, false), CONFIG);

        assertThat(counter.cases()).isEqualTo(200);
        assertThat(set.operationsAccepted()).isGreaterThan(1_000);
    }

    @Test
    void replayingTheReportedSeed_reproducesTheSameShrunkFailure() {
        SlotCounterModel model = SlotCounterModel.of(SlotCounter.Merge.MAXIMUM, SlotCounter.Delta.AMOUNT_ONLY);
        LawViolation original = violationOf(() -> LawChecker.check(model, CONFIG));

        LawViolation replayed = violationOf(() -> LawChecker.replay(model, original.caseSeed()));

        assertThat(replayed.law()).isEqualTo(original.law());
        assertThat(replayed.caseSeed()).isEqualTo(original.caseSeed());
        assertThat(replayed.minimalHistory()).isEqualTo(original.minimalHistory());
        assertThat(replayed.getMessage()).contains("replayed case");
    }

    @Test
    void replayLineInTheReport_namesTheConfigurationWhenItShapesCasesDifferently() {
        SlotCounterModel model = SlotCounterModel.of(SlotCounter.Merge.SUM, SlotCounter.Delta.NEW_SLOT_VALUE);
        LawConfig config = CONFIG.withReplicas(2, 2).withStepsMax(7);

        LawViolation violation = violationOf(() -> LawChecker.check(model, config));

        assertThat(violation.getMessage()).contains("LawChecker.replay(model, " + LawChecker.seedLiteral(
                violation.caseSeed()) + ", LawConfig.defaults().withReplicas(2, 2).withStepsMax(7))");
        assertThat(violationOf(() -> LawChecker.replay(model, violation.caseSeed(), config)).minimalHistory())
                .isEqualTo(violation.minimalHistory());
    }

    @Test
    void check_isAPureFunctionOfTheSeed() {
        GCounterModel model = new GCounterModel();
        LawConfig config = CONFIG.withSeed(7);

        assertThat(LawChecker.check(model, config)).isEqualTo(LawChecker.check(model, config));
        assertThat(LawChecker.check(model, config)).isNotEqualTo(LawChecker.check(model, config.withSeed(8)));
    }

    @Test
    void refusedOperations_areLeftOutOfTheOracleHistory() {
        SlotCounterModel model = new SlotCounterModel(SlotCounter.Merge.MAXIMUM, SlotCounter.Delta.NEW_SLOT_VALUE,
                Refusal.CLEAN, Long.MAX_VALUE);

        LawChecker.Summary summary = LawChecker.check(model, CONFIG);

        assertThat(summary.operationsRefused()).isGreaterThan(500);
        assertThat(summary.operationsAccepted()).isGreaterThan(500);
    }

    @Test
    void refusedOperationThatStillChangesTheState_isCaught() {
        SlotCounterModel model = new SlotCounterModel(SlotCounter.Merge.MAXIMUM, SlotCounter.Delta.NEW_SLOT_VALUE,
                Refusal.MUTATING, Long.MAX_VALUE);

        LawViolation violation = violationOf(() -> LawChecker.check(model, CONFIG));

        assertReport(violation, Law.DELTA_EQUALS_MUTATION, model);
        assertThat(violation.minimalHistory()).singleElement().asString().endsWith("-> refused");
    }

    @Test
    void invariantAssertedByTheModel_isReportedAsAnException_withItsCause() {
        SlotCounterModel model = new SlotCounterModel(SlotCounter.Merge.MAXIMUM, SlotCounter.Delta.NEW_SLOT_VALUE,
                Refusal.NONE, 12);

        LawViolation violation = violationOf(() -> LawChecker.check(model, CONFIG));

        assertReport(violation, Law.NO_EXCEPTION, model);
        assertThat(violation).hasCauseInstanceOf(AssertionError.class);
        assertThat(violation.getMessage()).contains("invariant: value");
    }

    private static LawViolation violationOf(ThrowingCallable call) {
        LawViolation violation = catchThrowableOfType(LawViolation.class, call);
        assertThat(violation).as("the law kit should have reported a violation").isNotNull();
        return violation;
    }

    private static void assertReport(LawViolation violation, Law law, CrdtModel<?, ?> model) {
        assertThat(violation.law()).as(violation.getMessage()).isEqualTo(law);
        assertThat(violation.modelName()).isEqualTo(model.name());
        assertThat(violation.getMessage())
                .startsWith("CRDT law violated: " + law.description() + " [" + law + "]")
                .contains("model:     " + model.name())
                .contains("case seed: " + LawChecker.seedLiteral(violation.caseSeed()))
                .contains("replay:    LawChecker.replay(model, ")
                .contains("minimal history: ");
        for (String line : violation.minimalHistory()) {
            assertThat(violation.getMessage()).contains(line);
        }
    }
}
