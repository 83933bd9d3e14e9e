package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.HlcTimestamp;
import io.calmdb.crdt.LwwRegister;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.StateCodec;
import io.calmdb.crdt.ValueCodec;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class LwwRegisterLawsTest {
    /** A write of {@code value} stamped {@code timestamp}. */
    record Write(String value, HlcTimestamp timestamp) {}

    static final StateCodec<LwwRegister<String>> CODEC = LwwRegister.codec(ValueCodec.STRING);

    static final class Model implements CrdtModel<LwwRegister<String>, Write> {
        @Override
        public String name() {
            return "LwwRegister";
        }

        @Override
        public LwwRegister<String> empty() {
            return new LwwRegister<>();
        }

        /**
         * Mostly a stamp from a clock that has seen the register's stamp (the write wins locally), sometimes one
         * from a lagging clock (the write loses, or ties on time and is decided by writer id). The value names
         * its stamp and writer, so one stamp never carries two values, which the register rightly rejects.
         */
        @Override
        public Write randomOperation(RandomGenerator random, ReplicaId replica, LwwRegister<String> state) {
            HlcTimestamp timestamp;
            if (state.timestamp().isPresent() && random.nextInt(10) < 7) {
                HlcTimestamp seen = state.timestamp().get();
                timestamp = new HlcTimestamp(seen.physicalMillis() + random.nextInt(2), seen.logical() + 1);
            } else {
                timestamp = new HlcTimestamp(random.nextInt(8), random.nextInt(3));
            }
            return new Write(replica + "@" + timestamp, timestamp);
        }

        @Override
        public LwwRegister<String> apply(LwwRegister<String> state, ReplicaId replica, Write operation) {
            return state.set(replica, operation.value(), operation.timestamp());
        }

        @Override
        public Object value(LwwRegister<String> state) {
            return state.value();
        }

        @Override
        public byte[] encode(LwwRegister<String> state) {
            return Codecs.encode(CODEC, state);
        }

        @Override
        public LwwRegister<String> decode(byte[] bytes) throws Exception {
            return Codecs.decode(CODEC, bytes);
        }

        @Override
        public Object oracleValue(List<Event<Write>> history) {
            return Oracles.lastWriterWins(history, Write::timestamp, Write::value);
        }
    }

    @Test
    void lwwRegister_obeysEveryLaw_inAThousandRandomCases_andKeepsTheGreatestStamp() {
        LawChecker.Summary summary = LawChecker.check(new Model());

        assertThat(summary.cases()).isEqualTo(1_000);
        assertThat(summary.operationsAccepted()).isGreaterThan(5_000);
    }
}
