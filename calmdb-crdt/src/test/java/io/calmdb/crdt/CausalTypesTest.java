package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CausalTypesTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final HlcTimestamp T1 = new HlcTimestamp(1_000, 0);
    private static final HlcTimestamp T2 = new HlcTimestamp(1_001, 0);
    private static final HlcTimestamp T3 = new HlcTimestamp(1_002, 0);

    @Test
    void mvRegister_keepsConcurrentWrites_andALaterWriteReplacesThem() {
        MvRegister<String> a = new MvRegister<>();
        MvRegister<String> b = new MvRegister<>();
        MvRegister<String> c = new MvRegister<>();
        MvRegister<String> x = a.write(A, "x", T1);
        b.merge(x);
        c.merge(x);
        MvRegister<String> y = b.write(B, "y", T2);
        MvRegister<String> z = c.write(C, "z", T1);
        a.merge(y).merge(z);
        assertThat(a.values()).containsExactlyInAnyOrder("y", "z");
        assertThat(a.lastWriterValue()).contains("y");
        MvRegister<String> w = a.write(A, "w", T3);
        b.merge(z).merge(w);
        assertThat(b.values()).containsExactly("w");
    }

    @Test
    void mvRegister_lastWriterValue_breaksTimestampTiesByReplicaId() {
        MvRegister<String> a = new MvRegister<>();
        MvRegister<String> b = new MvRegister<>();
        MvRegister<String> fromA = a.write(A, "from-a", T1);
        b.write(B, "from-b", T1);
        b.merge(fromA);
        assertThat(b.lastWriterValue()).contains("from-b");
    }

    @Test
    void enableWinsFlag_concurrentEnableBeatsDisable() {
        EnableWinsFlag a = new EnableWinsFlag();
        EnableWinsFlag b = new EnableWinsFlag();
        b.merge(a.enable(A));
        EnableWinsFlag disable = a.disable();
        EnableWinsFlag enable = b.enable(B);
        a.merge(enable);
        b.merge(disable);
        assertThat(a.value()).isTrue();
        assertThat(b).isEqualTo(a);
    }

    @Test
    void enableWinsFlag_disableAfterSeeingEveryEnable_turnsItOff() {
        EnableWinsFlag a = new EnableWinsFlag();
        EnableWinsFlag b = new EnableWinsFlag();
        b.merge(a.enable(A));
        a.merge(b.enable(B));
        b.merge(a.disable());
        assertThat(b.value()).isFalse();
    }

    @Test
    void causalCounter_countsLikeAPnCounter() {
        CausalCounter a = new CausalCounter();
        CausalCounter b = new CausalCounter();
        CausalCounter d1 = a.increment(A, 3);
        CausalCounter d2 = b.decrement(B, 1);
        a.merge(d2);
        b.merge(d1);
        assertThat(a.value()).isEqualTo(2);
        assertThat(b).isEqualTo(a);
        assertThat(a.entries()).containsOnlyKeys(A, B);
    }

    @Test
    void causalCounter_resetConcurrentWithIncrement_keepsTheIncrementersEntry() {
        CausalCounter a = new CausalCounter();
        CausalCounter b = new CausalCounter();
        b.merge(a.increment(A, 3));
        a.merge(b.increment(B, 4));
        CausalCounter reset = a.reset();
        CausalCounter increment = b.increment(B, 1);
        a.merge(increment);
        b.merge(reset);
        assertThat(a.value()).isEqualTo(5);
        assertThat(b).isEqualTo(a);
    }

    @Test
    void orMap_removeConcurrentWithNestedAdd_keepsOnlyTheUnseenAdd() {
        OrMap<String, OrSet<String>> a = new OrMap<>(OrSet.type(ValueCodec.STRING));
        OrMap<String, OrSet<String>> b = new OrMap<>(OrSet.type(ValueCodec.STRING));
        b.merge(a.update("cart", set -> set.add(A, "milk")));
        OrMap<String, OrSet<String>> remove = a.remove("cart");
        OrMap<String, OrSet<String>> add = b.update("cart", set -> set.add(B, "eggs"));
        a.merge(add);
        b.merge(remove);
        assertThat(a.keys()).containsExactly("cart");
        assertThat(a.get("cart").elements()).containsExactly("eggs");
        assertThat(b).isEqualTo(a);
    }

    @Test
    void orMap_removeAfterSeeingEverything_removesTheKeyEverywhere() {
        OrMap<String, CausalCounter> a = new OrMap<>(CausalCounter.type());
        OrMap<String, CausalCounter> b = new OrMap<>(CausalCounter.type());
        b.merge(a.update("hits", counter -> counter.increment(A, 5)));
        a.merge(b.update("hits", counter -> counter.increment(B, 2)));
        assertThat(a.get("hits").value()).isEqualTo(7);
        b.merge(a.remove("hits"));
        assertThat(b.keys()).isEmpty();
        assertThat(b.get("hits")).isNull();
    }

    @Test
    void orMap_registersResolveByLastWriter_andNestedMapsWork() throws CodecException {
        CausalType<OrMap<String, MvRegister<String>>> inner = OrMap.type(ValueCodec.STRING, MvRegister.type(ValueCodec.STRING));
        OrMap<String, OrMap<String, MvRegister<String>>> a = new OrMap<>(inner);
        OrMap<String, OrMap<String, MvRegister<String>>> b = new OrMap<>(inner);
        OrMap<String, OrMap<String, MvRegister<String>>> d1 =
                a.update("user:1", hash -> hash.update("name", register -> register.write(A, "ada", T1)));
        OrMap<String, OrMap<String, MvRegister<String>>> d2 =
                b.update("user:1", hash -> hash.update("name", register -> register.write(B, "grace", T2)));
        a.merge(d2);
        b.merge(d1);
        assertThat(a).isEqualTo(b);
        assertThat(a.get("user:1").get("name").lastWriterValue()).contains("grace");
        assertThat(a.get("user:1").get("name").values()).containsExactlyInAnyOrder("ada", "grace");
        StateCodec<OrMap<String, OrMap<String, MvRegister<String>>>> codec = OrMap.codec(ValueCodec.STRING, inner);
        for (var state : List.of(a, d1, d2)) {
            byte[] bytes = Codecs.encode(codec, state);
            var decoded = Codecs.decode(codec, bytes);
            assertThat(decoded).isEqualTo(state);
            assertThat(Codecs.encode(codec, decoded)).isEqualTo(bytes);
        }
    }

    @Test
    void orMap_clearRemovesObservedKeysOnly() {
        OrMap<String, EnableWinsFlag> a = new OrMap<>(EnableWinsFlag.type());
        OrMap<String, EnableWinsFlag> b = new OrMap<>(EnableWinsFlag.type());
        b.merge(a.update("x", flag -> flag.enable(A)));
        OrMap<String, EnableWinsFlag> concurrent = b.update("y", flag -> flag.enable(B));
        b.merge(a.clear());
        a.merge(concurrent);
        assertThat(a.keys()).containsExactly("y");
        assertThat(b).isEqualTo(a);
    }

    @Test
    void orMap_rejectsAMutationThatReturnsNoDelta() {
        OrMap<String, EnableWinsFlag> map = new OrMap<>(EnableWinsFlag.type());
        assertThatThrownBy(() -> map.update("x", flag -> flag)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mutation");
    }

    @Test
    void codecs_roundTripEveryCausalType() throws CodecException {
        MvRegister<String> register = new MvRegister<>();
        register.write(A, "v", T1);
        assertRoundTrip(MvRegister.codec(ValueCodec.STRING), register);
        EnableWinsFlag flag = new EnableWinsFlag();
        flag.enable(B);
        assertRoundTrip(EnableWinsFlag.codec(), flag);
        assertRoundTrip(EnableWinsFlag.codec(), flag.disable());
        CausalCounter counter = new CausalCounter();
        counter.increment(A, 10);
        counter.decrement(C, 3);
        assertRoundTrip(CausalCounter.codec(), counter);
    }

    @Test
    void codec_rejectsDotsOutsideTheContext() {
        // Context a:1 plus cloud {a:3} (entry shape 3 = one cloud dot and a base, base 1, gap 0); the flag's dot is
        // a:2 (distance 1 below the maximum 3), never seen.
        byte[] gapDot = {1, (byte) CrdtType.ENABLE_WINS_FLAG.tag(), 2, 1, 'a', 3, 1, 0, 1, 0, 1};
        assertThatThrownBy(() -> Codecs.decode(EnableWinsFlag.codec(), gapDot)).isInstanceOf(CodecException.class)
                .hasMessageContaining("not in the context");
        // The same bytes with distance 0 name a:3, which is in the context.
        byte[] valid = gapDot.clone();
        valid[valid.length - 1] = 0;
        assertThatCode(() -> Codecs.decode(EnableWinsFlag.codec(), valid)).doesNotThrowAnyException();
        // A distance beyond the maximum would name a counter below 1.
        byte[] belowOne = gapDot.clone();
        belowOne[belowOne.length - 1] = 3;
        assertThatThrownBy(() -> Codecs.decode(EnableWinsFlag.codec(), belowOne)).isInstanceOf(CodecException.class);
    }

    @Test
    void orMap_extract_isSelfContained_andRestoreContextRecordsRemovals() throws CodecException {
        OrMap<String, OrSet<String>> map = new OrMap<>(OrSet.type(ValueCodec.STRING));
        map.update("kept", set -> set.add(A, "x"));
        OrMap<String, OrSet<String>> addGone = map.update("gone", set -> set.add(A, "y"));
        map.remove("gone");
        OrMap<String, OrSet<String>> restored = new OrMap<>(OrSet.type(ValueCodec.STRING));
        restored.merge(map.extract("kept"));
        assertThat(map.extract("gone")).isNull();
        restored.restoreContext(CausalContext.decode(map.context().encode()));
        assertThat(restored).isEqualTo(map);
        // The add of the removed element, delivered again late, is recognised as already removed.
        restored.merge(addGone);
        assertThat(restored.keys()).containsExactly("kept");
    }

    private static <T> void assertRoundTrip(StateCodec<T> codec, T state) throws CodecException {
        byte[] bytes = Codecs.encode(codec, state);
        T decoded = Codecs.decode(codec, bytes);
        assertThat(decoded).isEqualTo(state);
        assertThat(Codecs.encode(codec, decoded)).isEqualTo(bytes);
    }
}
