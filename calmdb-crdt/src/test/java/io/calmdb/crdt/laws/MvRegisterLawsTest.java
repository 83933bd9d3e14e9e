package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.HlcTimestamp;
import io.calmdb.crdt.MvRegister;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.StateCodec;
import io.calmdb.crdt.ValueCodec;
import java.util.HashSet;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class MvRegisterLawsTest {
    sealed interface RegisterOperation {}

    record Write(String value, HlcTimestamp timestamp) implements RegisterOperation {}

    record Clear() implements RegisterOperation {}

    static final StateCodec<MvRegister<String>> CODEC = MvRegister.codec(ValueCodec.STRING);

    static final class Model implements CrdtModel<MvRegister<String>, RegisterOperation> {
        @Override
        public String name() {
            return "MvRegister";
        }

        @Override
        public MvRegister<String> empty() {
            return new MvRegister<>();
        }

        @Override
        public RegisterOperation randomOperation(RandomGenerator random, ReplicaId replica, MvRegister<String> state) {
            if (random.nextInt(10) == 0) {
                return new Clear();
            }
            return new Write(String.valueOf((char) ('a' + random.nextInt(5))),
                    new HlcTimestamp(random.nextInt(50), random.nextInt(3)));
        }

        @Override
        public MvRegister<String> apply(MvRegister<String> state, ReplicaId replica, RegisterOperation operation) {
            return switch (operation) {
                case Write write -> state.write(replica, write.value(), write.timestamp());
                case Clear clear -> state.clear();
            };
        }

        /** A set: two concurrent writes of one value are one value to a reader. */
        @Override
        public Object value(MvRegister<String> state) {
            return new HashSet<>(state.values());
        }

        @Override
        public byte[] encode(MvRegister<String> state) {
            return Codecs.encode(CODEC, state);
        }

        @Override
        public MvRegister<String> decode(byte[] bytes) throws Exception {
            return Codecs.decode(CODEC, bytes);
        }

        @Override
        public Object oracleValue(List<Event<RegisterOperation>> history) {
            return Oracles.multiValue(history, operation -> operation instanceof Write write ? write.value() : null,
                    operation -> operation instanceof Clear);
        }
    }

    @Test
    void mvRegister_obeysEveryLaw_inAThousandRandomCases_andKeepsExactlyTheConcurrentLatestWrites() {
        LawChecker.Summary summary = LawChecker.check(new Model());

        assertThat(summary.cases()).isEqualTo(1_000);
        assertThat(summary.operationsAccepted()).isGreaterThan(5_000);
    }
}
