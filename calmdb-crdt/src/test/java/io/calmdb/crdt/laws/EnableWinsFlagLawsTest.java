package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.EnableWinsFlag;
import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class EnableWinsFlagLawsTest {
    /** Enable when {@code enable}, else disable. */
    record Toggle(boolean enable) {}

    static final class Model implements CrdtModel<EnableWinsFlag, Toggle> {
        @Override
        public String name() {
            return "EnableWinsFlag";
        }

        @Override
        public EnableWinsFlag empty() {
            return new EnableWinsFlag();
        }

        @Override
        public Toggle randomOperation(RandomGenerator random, ReplicaId replica, EnableWinsFlag state) {
            return new Toggle(random.nextBoolean());
        }

        @Override
        public EnableWinsFlag apply(EnableWinsFlag state, ReplicaId replica, Toggle operation) {
            return operation.enable() ? state.enable(replica) : state.disable();
        }

        @Override
        public Object value(EnableWinsFlag state) {
            return state.value();
        }

        @Override
        public byte[] encode(EnableWinsFlag state) {
            return Codecs.encode(EnableWinsFlag.codec(), state);
        }

        @Override
        public EnableWinsFlag decode(byte[] bytes) throws Exception {
            return Codecs.decode(EnableWinsFlag.codec(), bytes);
        }

        @Override
        public Object oracleValue(List<Event<Toggle>> history) {
            return Oracles.enableWins(history, Toggle::enable, toggle -> !toggle.enable());
        }
    }

    @Test
    void enableWinsFlag_obeysEveryLaw_inAThousandRandomCases_andAConcurrentEnableWins() {
        LawChecker.Summary summary = LawChecker.check(new Model());

        assertThat(summary.cases()).isEqualTo(1_000);
        assertThat(summary.operationsAccepted()).isGreaterThan(5_000);
    }
}
