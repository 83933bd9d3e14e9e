package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LwwRegisterTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final ReplicaId[] REPLICAS = {A, B, C};

    private static HlcTimestamp at(long physicalMillis, int logical) {
        return new HlcTimestamp(physicalMillis, logical);
    }

    private static LwwRegister<String> written(ReplicaId replica, String value, HlcTimestamp timestamp) {
        LwwRegister<String> register = new LwwRegister<>();
        register.set(replica, value, timestamp);
        return register;
    }

    // Values are a function of the stamp, so random registers never hold two values under one stamp.
    private static LwwRegister<String> randomRegister(SplittableRandom random) {
        if (random.nextInt(5) == 0) {
            return new LwwRegister<>();
        }
        ReplicaId writer = REPLICAS[random.nextInt(REPLICAS.length)];
        HlcTimestamp timestamp = at(random.nextInt(4), random.nextInt(3));
        return written(writer, writer + "@" + timestamp, timestamp);
    }

    @Test
    void newRegister_isEmpty() {
        LwwRegister<String> register = new LwwRegister<>();
        assertThat(register.isEmpty()).isTrue();
        assertThat(register.value()).isEmpty();
        assertThat(register.timestamp()).isEmpty();
        assertThat(register.writer()).isEmpty();
        assertThat(register).hasToString("LwwRegister{}");
    }

    @Test
    void set_storesTheWriteAndReturnsItAsTheDelta() {
        LwwRegister<String> register = new LwwRegister<>();
        LwwRegister<String> delta = register.set(A, "x", at(10, 0));
        assertThat(register.value()).contains("x");
        assertThat(register.timestamp()).contains(at(10, 0));
        assertThat(register.writer()).contains(A);
        assertThat(delta).isEqualTo(register);
        assertThat(delta).isNotSameAs(register);
    }

    @Test
    void set_withAGreaterTimestamp_overwrites() {
        LwwRegister<String> register = written(B, "old", at(10, 0));
        register.set(A, "new", at(10, 1));
        assertThat(register.value()).contains("new");
        assertThat(register.writer()).contains(A);
    }

    @Test
    void set_withAnOlderStamp_isAcceptedButChangesNothing() {
        LwwRegister<String> register = written(A, "current", at(20, 0));
        LwwRegister<String> before = register.copy();
        LwwRegister<String> delta = register.set(B, "stale", at(19, 5));
        assertThat(register).isEqualTo(before);
        assertThat(delta.value()).contains("stale");
        // Shipping the losing delta elsewhere is harmless: it loses there too.
        assertThat(before.copy().merge(delta)).isEqualTo(before);
    }

    @Test
    void equalTimestamps_areBrokenByTheWriterId() {
        LwwRegister<String> fromA = written(A, "from a", at(5, 0));
        LwwRegister<String> fromB = written(B, "from b", at(5, 0));
        assertThat(fromA.copy().merge(fromB).value()).contains("from b");
        assertThat(fromB.copy().merge(fromA).value()).contains("from b");
    }

    @Test
    void physicalTimeOrdersBeforeTheLogicalCounter() {
        LwwRegister<String> register = written(A, "later physical", at(6, 0));
        register.merge(written(B, "more logical", at(5, 99)));
        assertThat(register.value()).contains("later physical");
    }

    @Test
    void equalStampsWithDifferentValues_areAProgrammerError() {
        LwwRegister<String> register = written(A, "one", at(5, 0));
        LwwRegister<String> before = register.copy();
        assertThatThrownBy(() -> register.merge(written(A, "two", at(5, 0))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("never reuses a timestamp");
        assertThatThrownBy(() -> register.set(A, "two", at(5, 0))).isInstanceOf(IllegalStateException.class);
        assertThat(register).isEqualTo(before);
    }

    @Test
    void equalStampsWithEqualValues_mergeAsANoOp() {
        LwwRegister<String> register = written(A, "same", at(5, 0));
        register.merge(written(A, new String("same"), at(5, 0)));
        assertThat(register).isEqualTo(written(A, "same", at(5, 0)));
    }

    @Test
    void merge_withTheEmptyRegister_changesNothingEitherWay() {
        LwwRegister<String> register = written(A, "x", at(1, 0));
        assertThat(register.copy().merge(new LwwRegister<>())).isEqualTo(register);
        assertThat(new LwwRegister<String>().merge(register)).isEqualTo(register);
    }

    @Test
    void merge_isCommutativeAssociativeAndIdempotent() {
        long seed = 99;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 500; i++) {
            LwwRegister<String> x = randomRegister(random);
            LwwRegister<String> y = randomRegister(random);
            LwwRegister<String> z = randomRegister(random);
            assertThat(x.copy().merge(y)).as("seed %d case %d", seed, i).isEqualTo(y.copy().merge(x));
            assertThat(x.copy().merge(y).merge(z)).as("seed %d case %d", seed, i).isEqualTo(x.copy().merge(y.copy().merge(z)));
            assertThat(x.copy().merge(x)).isEqualTo(x);
        }
    }

    @Test
    void applyingADelta_equalsApplyingTheMutation() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 300; i++) {
            LwwRegister<String> origin = randomRegister(random);
            LwwRegister<String> replica = origin.copy();
            ReplicaId writer = REPLICAS[random.nextInt(REPLICAS.length)];
            HlcTimestamp timestamp = at(random.nextInt(4), random.nextInt(3));
            LwwRegister<String> delta = origin.set(writer, writer + "@" + timestamp, timestamp);
            assertThat(replica.merge(delta)).as("case %d", i).isEqualTo(origin);
        }
    }

    @Test
    void replicasReceivingWritesInAnyOrder_convergeOnTheGreatestStamp() {
        long seed = 2024;
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 100; round++) {
            List<LwwRegister<String>> deltas = new ArrayList<>();
            LwwRegister<String> oracle = null;
            for (int w = 0; w < 6; w++) {
                ReplicaId writer = REPLICAS[random.nextInt(REPLICAS.length)];
                HlcTimestamp timestamp = at(random.nextInt(1_000), random.nextInt(3));
                LwwRegister<String> delta = written(writer, writer + "@" + timestamp, timestamp);
                deltas.add(delta);
                if (oracle == null || timestamp.compareTo(oracle.timestamp().orElseThrow()) > 0
                        || (timestamp.equals(oracle.timestamp().orElseThrow()) && writer.compareTo(oracle.writer().orElseThrow()) > 0)) {
                    oracle = delta;
                }
            }
            for (int replica = 0; replica < 3; replica++) {
                LwwRegister<String> state = new LwwRegister<>();
                for (int delivery = 0; delivery < 12; delivery++) {
                    state.merge(deltas.get(random.nextInt(deltas.size())));
                }
                for (LwwRegister<String> delta : deltas) {
                    state.merge(delta);
                }
                assertThat(state).as("seed %d round %d", seed, round).isEqualTo(oracle);
            }
        }
    }

    @Test
    void set_rejectsNullArguments() {
        LwwRegister<String> register = new LwwRegister<>();
        assertThatThrownBy(() -> register.set(null, "x", at(1, 0))).hasMessageContaining("replica");
        assertThatThrownBy(() -> register.set(A, null, at(1, 0))).hasMessageContaining("value");
        assertThatThrownBy(() -> register.set(A, "x", null)).hasMessageContaining("timestamp");
    }

    @Test
    void copy_isIndependent() {
        LwwRegister<String> register = written(A, "x", at(1, 0));
        LwwRegister<String> copy = register.copy();
        register.set(A, "y", at(2, 0));
        assertThat(copy.value()).contains("x");
    }

    @Test
    void equalsAndHashCode_coverValueTimestampAndWriter() {
        LwwRegister<String> base = written(A, "x", at(1, 0));
        assertThat(base).isEqualTo(written(A, "x", at(1, 0))).hasSameHashCodeAs(written(A, "x", at(1, 0)));
        assertThat(base).isNotEqualTo(written(B, "x", at(1, 0)));
        assertThat(base).isNotEqualTo(written(A, "x", at(1, 1)));
        assertThat(base).isNotEqualTo(written(A, "z", at(1, 0)));
        assertThat(base).hasToString("LwwRegister{x by a at 1.0}");
    }

    @Test
    void codec_roundTripsAndReencodesToTheSameBytes() throws CodecException {
        StateCodec<LwwRegister<String>> codec = LwwRegister.codec(ValueCodec.STRING);
        CodecRoundTrip.assertRoundTrip(codec, new LwwRegister<>());
        CodecRoundTrip.assertRoundTrip(codec, written(A, "", at(0, 0)));
        CodecRoundTrip.assertRoundTrip(codec, written(C, "grüße", at(Long.MAX_VALUE, Integer.MAX_VALUE)));
        StateCodec<LwwRegister<Long>> longs = LwwRegister.codec(ValueCodec.LONG);
        LwwRegister<Long> number = new LwwRegister<>();
        number.set(B, -42L, at(1_700_000_000_000L, 3));
        CodecRoundTrip.assertRoundTrip(longs, number);
    }

    @Test
    void codec_writesTheDocumentedLayout() {
        byte[] expected = {(byte) CodecLimits.FORMAT_VERSION, (byte) CrdtType.LWW_REGISTER.tag(),
            1, 10, 2, 1, 'a', 1, 'x'};
        assertThat(Codecs.encode(LwwRegister.codec(ValueCodec.STRING), written(A, "x", at(10, 2)))).isEqualTo(expected);
        assertThat(Codecs.encode(LwwRegister.codec(ValueCodec.STRING), new LwwRegister<>()))
                .isEqualTo(new byte[] {(byte) CodecLimits.FORMAT_VERSION, (byte) CrdtType.LWW_REGISTER.tag(), 0});
    }

    @Test
    void codec_rejectsTruncatedCorruptAndHostileBytes() {
        StateCodec<LwwRegister<String>> codec = LwwRegister.codec(ValueCodec.STRING);
        LwwRegister<String> register = written(B, "hello", at(1_700_000_000_000L, 7));
        CodecRoundTrip.assertTruncationsRejected(codec, register);
        CodecRoundTrip.assertCorruptionsFailCleanly(codec, register, 77, 2_000);
        byte[] header = {(byte) CodecLimits.FORMAT_VERSION, (byte) CrdtType.LWW_REGISTER.tag()};
        byte[] badPresence = PNCounterTest.concat(header, new byte[] {2});
        byte[] logicalTooLarge = PNCounterTest.concat(header,
                new ByteWriter().writeByte(1).writeVarLong(1).writeVarLong(1L << 31).writeReplicaId(A).writeString("x").toByteArray());
        byte[] hugeValueLength = PNCounterTest.concat(header,
                new ByteWriter().writeByte(1).writeVarLong(1).writeVarLong(0).writeReplicaId(A).writeVarLong(1L << 40).toByteArray());
        byte[] emptyWithTrailing = PNCounterTest.concat(header, new byte[] {0, 0});
        assertThatThrownBy(() -> Codecs.decode(codec, badPresence)).isInstanceOf(CodecException.class).hasMessageContaining("presence");
        assertThatThrownBy(() -> Codecs.decode(codec, logicalTooLarge)).isInstanceOf(CodecException.class).hasMessageContaining("logical");
        assertThatThrownBy(() -> Codecs.decode(codec, hugeValueLength)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> Codecs.decode(codec, emptyWithTrailing)).isInstanceOf(CodecException.class);
    }

    @Test
    void codec_rejectsANullValueCodec() {
        assertThatThrownBy(() -> LwwRegister.codec(null)).hasMessageContaining("valueCodec");
    }
}
