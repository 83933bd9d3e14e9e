package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The keyspace operations behind the everyday data commands (issue 9), alone and between two replicas. */
class DataCommandsKeyspaceTest {
    private static final ReplicaId TOKYO = ReplicaId.of("tokyo");
    private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");
    private static final String MAX = Long.toString(Long.MAX_VALUE);
    private static final String MIN = Long.toString(Long.MIN_VALUE);

    private static Bytes b(String text) {
        return Bytes.ofUtf8(text);
    }

    /** Ships a delta through the codec, as the log and the wire do. */
    private static void ship(Keyspace to, OrMap<Bytes, KeyValue> delta) throws Exception {
        if (delta != null) {
            to.apply(Codecs.decode(Keyspace.CODEC, Codecs.encode(Keyspace.CODEC, delta)));
        }
    }

    // ---- counter overflow (bug)

    @Test
    void incrementsNearTheTop_upDownUp_reachTheMaximum_andOnlyLeavingTheRangeIsRefused() throws Exception {
        Keyspace keyspace = new Keyspace(TOKYO);
        assertThat(keyspace.incrementBy(b("k"), Long.MAX_VALUE, 1).reply()).isEqualTo(Long.MAX_VALUE);
        assertThat(keyspace.incrementBy(b("k"), -1, 2).reply()).isEqualTo(Long.MAX_VALUE - 1);
        assertThat(keyspace.incrementBy(b("k"), 1, 3).reply()).isEqualTo(Long.MAX_VALUE);
        for (int i = 0; i < 10; i++) {
            keyspace.incrementBy(b("k"), -Long.MAX_VALUE, 4);
            keyspace.incrementBy(b("k"), Long.MAX_VALUE, 5);
        }
        assertThat(keyspace.get(b("k"))).contains(b(MAX));
        assertThatThrownBy(() -> keyspace.incrementBy(b("k"), 1, 6)).hasMessage(KeyspaceException.OVERFLOW);
        assertThat(keyspace.incrementBy(b("k"), Long.MIN_VALUE, 7).reply()).isEqualTo(-1);
        assertThat(keyspace.incrementBy(b("k"), -Long.MAX_VALUE, 8).reply()).isEqualTo(Long.MIN_VALUE);
        assertThatThrownBy(() -> keyspace.incrementBy(b("k"), -1, 9)).hasMessage(KeyspaceException.OVERFLOW);
        assertThat(keyspace.get(b("k"))).contains(b(MIN));
    }

    @Test
    void hashIncrements_upDownUp_reachTheMaximum() throws Exception {
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.hashIncrementBy(b("h"), b("f"), Long.MAX_VALUE, 1);
        keyspace.hashIncrementBy(b("h"), b("f"), -1, 2);
        assertThat(keyspace.hashIncrementBy(b("h"), b("f"), 1, 3).reply()).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> keyspace.hashIncrementBy(b("h"), b("f"), 1, 4)).hasMessage(KeyspaceException.OVERFLOW);
        assertThat(keyspace.hashGet(b("h"), b("f"))).contains(b(MAX));
    }

    @Test
    void perReplicaTotalsThatOverflow_whileTheNetDoesNot_readTheNetEverywhere() throws Exception {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        ship(virginia, tokyo.incrementBy(b("k"), Long.MAX_VALUE, 1).delta());
        ship(tokyo, virginia.incrementBy(b("k"), -Long.MAX_VALUE, 2).delta()); // virginia's net: -MAX
        // Tokyo's own total goes to 2 * MAX (beyond 64 bits) while the value stays in range.
        var up = tokyo.incrementBy(b("k"), Long.MAX_VALUE, 3);
        assertThat(up.reply()).isEqualTo(Long.MAX_VALUE);
        ship(virginia, up.delta());
        assertThat(virginia.get(b("k"))).contains(b(MAX));
        assertThat(tokyo.state()).isEqualTo(virginia.state());
    }

    @Test
    void concurrentIncrementsThatPushTheMergedNetOutOfRange_wrapIdenticallyEverywhere() throws Exception {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        ship(virginia, tokyo.incrementBy(b("k"), Long.MAX_VALUE - 1, 1).delta());
        var a = tokyo.incrementBy(b("k"), 1, 2);
        var c = virginia.incrementBy(b("k"), 1, 2);
        ship(virginia, a.delta());
        ship(tokyo, c.delta());
        // Neither replica could refuse its increment without coordination; documented in docs/resp.md.
        assertThat(tokyo.get(b("k"))).contains(b(MIN)).isEqualTo(virginia.get(b("k")));
    }

    // ---- duplicates (bug)

    @Test
    void sremAndHdel_countARepeatedNameOnce() throws Exception {
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.setAdd(b("s"), List.of(b("a"), b("b")), 1);
        assertThat(keyspace.setRemove(b("s"), List.of(b("a"), b("a"))).reply()).isEqualTo(1);
        keyspace.hashSet(b("h"), Map.of(b("a"), b("1"), b("b"), b("2")), 2);
        assertThat(keyspace.hashDelete(b("h"), List.of(b("a"), b("a"))).reply()).isEqualTo(1);
        assertThat(keyspace.setMembers(b("s"))).containsExactly(b("b"));
        assertThat(keyspace.hashKeys(b("h"))).containsExactly(b("b"));
    }

    // ---- keys

    @Test
    void flushAll_isOneDelta_andAConcurrentWriteElsewhereSurvives() throws Exception {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        for (int i = 0; i < 100; i++) {
            ship(virginia, tokyo.set(b("k" + i), b("v"), i).delta());
        }
        var flush = tokyo.flushAll();
        var concurrent = virginia.setAdd(b("late"), List.of(b("m")), 200);
        ship(virginia, flush.delta());
        ship(tokyo, concurrent.delta());
        assertThat(tokyo.keys(GlobPattern.of(b("*").toByteArray()))).containsExactly(b("late"));
        assertThat(virginia.size()).isEqualTo(1);
        assertThat(tokyo.flushAll().delta()).isNotNull();
        assertThat(new Keyspace(TOKYO).flushAll().delta()).isNull();
    }

    @Test
    void rename_movesTheValue_renameNx_decidesAbsenceLocally_andAConcurrentWriteToTheSourceSurvives()
            throws Exception {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        ship(virginia, tokyo.setAdd(b("src"), List.of(b("a"), b("b")), 1).delta());
        var concurrent = virginia.setAdd(b("src"), List.of(b("c")), 2);
        var rename = tokyo.rename(b("src"), b("dst"), false, 3);
        assertThat(rename.reply()).isTrue();
        ship(virginia, rename.delta());
        ship(tokyo, concurrent.delta());
        assertThat(tokyo.setMembers(b("dst"))).containsExactlyInAnyOrder(b("a"), b("b"));
        assertThat(tokyo.setMembers(b("src"))).containsExactly(b("c"));
        assertThat(virginia.state()).isEqualTo(tokyo.state());
        assertThatThrownBy(() -> tokyo.rename(b("nokey"), b("x"), false, 4)).hasMessage("ERR no such key");
        assertThat(tokyo.rename(b("src"), b("dst"), true, 5).reply()).isFalse();
        assertThat(tokyo.rename(b("dst"), b("dst"), true, 6).reply()).isFalse();
        assertThat(tokyo.rename(b("dst"), b("dst"), false, 6).delta()).isNull();
    }

    @Test
    void copy_replacesOnlyWithReplace_andCopiesEveryKind() throws Exception {
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.incrementBy(b("n"), 5, 1);
        keyspace.hashSet(b("h"), Map.of(b("f"), b("1")), 2);
        keyspace.hashIncrementBy(b("h"), b("f"), 2, 3);
        assertThat(keyspace.copy(b("n"), b("n2"), false, 4).reply()).isTrue();
        assertThat(keyspace.copy(b("h"), b("n2"), false, 5).reply()).isFalse();
        assertThat(keyspace.copy(b("h"), b("n2"), true, 6).reply()).isTrue();
        assertThat(keyspace.hashGet(b("n2"), b("f"))).contains(b("3"));
        assertThat(keyspace.copy(b("n"), b("n3"), false, 7).reply()).isTrue();
        assertThat(keyspace.get(b("n3"))).contains(b("5"));
        assertThat(keyspace.copy(b("absent"), b("x"), true, 8).reply()).isFalse();
        assertThatThrownBy(() -> keyspace.copy(b("n"), b("n"), true, 9))
                .hasMessage("ERR source and destination objects are the same");
    }

    @Test
    void randomKey_isDeterministicUnderASeed_andCoversEveryKey() {
        Keyspace keyspace = new Keyspace(TOKYO);
        assertThat(keyspace.randomKey(new SplittableRandom(1))).isEmpty();
        for (int i = 0; i < 5; i++) {
            keyspace.set(b("k" + i), b("v"), i);
        }
        SplittableRandom first = new SplittableRandom(42);
        SplittableRandom second = new SplittableRandom(42);
        Set<Bytes> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Bytes key = keyspace.randomKey(first).orElseThrow();
            assertThat(keyspace.randomKey(second)).contains(key);
            seen.add(key);
        }
        assertThat(seen).hasSize(5);
    }

    @Test
    void objectEncoding_followsRedisThresholds() throws Exception {
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.set(b("i"), b("123"), 1);
        keyspace.set(b("e"), b("x".repeat(44)), 1);
        keyspace.set(b("r"), b("x".repeat(45)), 1);
        keyspace.setAdd(b("is"), List.of(b("1"), b("2")), 1);
        keyspace.setAdd(b("hs"), List.of(b("a")), 1);
        keyspace.hashSet(b("lp"), Map.of(b("f"), b("v")), 1);
        keyspace.hashSet(b("ht"), Map.of(b("f"), b("v".repeat(65))), 1);
        assertThat(keyspace.objectEncoding(b("i"))).contains("int");
        assertThat(keyspace.objectEncoding(b("e"))).contains("embstr");
        assertThat(keyspace.objectEncoding(b("r"))).contains("raw");
        assertThat(keyspace.objectEncoding(b("is"))).contains("intset");
        assertThat(keyspace.objectEncoding(b("hs"))).contains("hashtable");
        assertThat(keyspace.objectEncoding(b("lp"))).contains("listpack");
        assertThat(keyspace.objectEncoding(b("ht"))).contains("hashtable");
        assertThat(keyspace.objectEncoding(b("absent"))).isEmpty();
        assertThat(keyspace.memoryUsage(b("r")).orElseThrow()).isGreaterThan(45);
        assertThat(keyspace.memoryUsage(b("absent"))).isEmpty();
    }

    // ---- strings

    @Test
    void stringEdits_rewriteTheRegister_andAConcurrentIncrementSurvivesOnTop() throws Exception {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        ship(virginia, tokyo.set(b("n"), b("5"), 1).delta());
        var append = tokyo.append(b("n"), b("0"), 2);
        var increment = virginia.incrementBy(b("n"), 1, 2);
        ship(virginia, append.delta());
        ship(tokyo, increment.delta());
        assertThat(tokyo.get(b("n"))).contains(b("51")).isEqualTo(virginia.get(b("n")));
        assertThat(tokyo.setRange(b("n"), 3, b("x"), 3).reply()).isEqualTo(4);
        assertThat(tokyo.get(b("n"))).contains(Bytes.copyOf(new byte[] {'5', '1', 0, 'x'}));
        assertThat(tokyo.getRange(b("n"), -2, -1)).isEqualTo(Bytes.copyOf(new byte[] {0, 'x'}));
        assertThatThrownBy(() -> tokyo.setRange(b("n"), Keyspace.STRING_BYTES_MAX, b("x"), 4))
                .hasMessage(Keyspace.STRING_TOO_LONG);
    }

    @Test
    void bits_setGetAndCount() throws Exception {
        Keyspace keyspace = new Keyspace(TOKYO);
        assertThat(keyspace.setBit(b("b"), 7, 1, 1).reply()).isEqualTo(0);
        assertThat(keyspace.setBit(b("b"), 7, 1, 2).delta()).isNull();
        assertThat(keyspace.getBit(b("b"), 7)).isEqualTo(1);
        assertThat(keyspace.getBit(b("b"), 6)).isEqualTo(0);
        keyspace.set(b("f"), b("foobar"), 3);
        assertThat(keyspace.bitCount(b("f"), null, null, false)).isEqualTo(26);
        assertThat(keyspace.bitCount(b("f"), 1L, -2L, false)).isEqualTo(18);
        assertThat(keyspace.bitCount(b("f"), 5L, 30L, true)).isEqualTo(17);
        assertThatThrownBy(() -> keyspace.setBit(b("b"), -1, 1, 4)).hasMessage(Keyspace.BIT_OFFSET_INVALID);
    }

    @Test
    void floatIncrementsInTwoRegions_addUp() throws Exception {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        var a = tokyo.incrementByFloat(b("f"), b("1.5"), 1);
        var c = virginia.incrementByFloat(b("f"), b("1.5"), 1);
        assertThat(a.reply()).isEqualTo(b("1.5"));
        ship(virginia, a.delta());
        ship(tokyo, c.delta());
        assertThat(tokyo.get(b("f"))).contains(b("3")).isEqualTo(virginia.get(b("f")));
        assertThat(tokyo.incrementBy(b("f"), 1, 2).reply()).isEqualTo(4);
        assertThat(tokyo.incrementByFloat(b("f"), b("0.1"), 3).reply()).isEqualTo(b("4.1"));
        tokyo.set(b("f"), b("1000"), 4);
        assertThat(tokyo.incrementByFloat(b("f"), b("0.1"), 5).reply()).isEqualTo(b("1000.09999999999999998"));
        assertThat(tokyo.get(b("f"))).contains(b("1000.09999999999999998"));
        assertThatThrownBy(() -> tokyo.incrementByFloat(b("f"), b("inf"), 6)).hasMessage(Keyspace.FLOAT_NOT_FINITE);
        assertThatThrownBy(() -> tokyo.incrementByFloat(b("f"), b("x"), 6)).hasMessage(Keyspace.NOT_A_FLOAT);
    }

    @Test
    void anIntegerIncrementAfterAFloatOne_isExact_whenTheCounterAloneWouldLeaveThe64BitRange() throws Exception {
        // Found by the differential test against redis-server 7.0.15: GET answered 9223372036854775808.
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.incrementBy(b("k"), Long.MIN_VALUE, 1);
        assertThat(keyspace.incrementByFloat(b("k"), b("1"), 2).reply()).isEqualTo(b("-9223372036854775807"));
        assertThat(keyspace.incrementBy(b("k"), -1, 3).reply()).isEqualTo(Long.MIN_VALUE);
        assertThat(keyspace.get(b("k"))).contains(b(MIN));
        assertThatThrownBy(() -> keyspace.incrementBy(b("k"), -1, 4)).hasMessage(KeyspaceException.OVERFLOW);
        assertThat(keyspace.get(b("k"))).contains(b(MIN));
        keyspace.hashIncrementBy(b("h"), b("f"), Long.MIN_VALUE, 5);
        keyspace.hashIncrementByFloat(b("h"), b("f"), b("1"), 6);
        assertThat(keyspace.hashIncrementBy(b("h"), b("f"), -1, 7).reply()).isEqualTo(Long.MIN_VALUE);
        assertThat(keyspace.hashGet(b("h"), b("f"))).contains(b(MIN));
    }

    @Test
    void aFloatIncrementOnAnIntegerWhoseCounterLeftThe64BitRange_storesWhatItAnswers() throws Exception {
        // Found by the differential test against redis-server 7.0.15 (seed 10151): GET differed from INCRBYFLOAT's
        // reply by 2^64.
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.set(b("k"), b("7"), 1);
        keyspace.incrementBy(b("k"), Long.MIN_VALUE, 2);
        keyspace.incrementBy(b("k"), -1, 3);
        keyspace.incrementBy(b("k"), -1, 4);
        assertThat(keyspace.get(b("k"))).contains(b("-9223372036854775803"));
        Bytes answered = keyspace.incrementByFloat(b("k"), b("1e30"), 5).reply();
        assertThat(answered).isEqualTo(b("999999999990776627987841286144"));
        assertThat(keyspace.get(b("k"))).contains(answered);
    }

    @Test
    void anIncrementByZero_changesNothing_butAWatchOfTheKeySeesAWrite() throws Exception {
        // Found by the differential test against redis-server 7.0.15: WATCH k, INCRBY k 0, MULTI, EXEC fails there.
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.set(b("n"), b("10"), 1);
        keyspace.hashSet(b("h"), java.util.Map.of(b("f"), b("1")), 1);
        keyspace.set(b("x"), b("1.5"), 1);
        long n = keyspace.watch(b("n"));
        long h = keyspace.watch(b("h"));
        long x = keyspace.watch(b("x"));
        assertThat(keyspace.incrementBy(b("n"), 0, 2).delta()).isNull();
        assertThat(keyspace.hashIncrementBy(b("h"), b("f"), 0, 2).delta()).isNull();
        assertThat(keyspace.incrementByFloat(b("x"), b("0"), 2).delta()).isNull();
        assertThat(keyspace.changedSince(b("n"), n)).isTrue();
        assertThat(keyspace.changedSince(b("h"), h)).isTrue();
        assertThat(keyspace.changedSince(b("x"), x)).isTrue();
    }

    @Test
    void aFloatIncrementOfZeroThatReformatsTheValue_keepsTheKeysTtl() throws Exception {
        // Found by the differential test against redis-server 7.0.15: SET a 1.6e1 EX 1000, INCRBYFLOAT a 0, TTL a.
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.setString(b("a"), b("1.6e1"), 1_000_000L, false, false, false, 1);
        assertThat(keyspace.incrementByFloat(b("a"), b("0"), 2).reply()).isEqualTo(b("16"));
        assertThat(keyspace.get(b("a"))).contains(b("16"));
        assertThat(keyspace.deadline(b("a"))).isEqualTo(1_000_000L);
    }

    @Test
    void hashFloatIncrementsInTwoRegions_addUp_andSetResetsWhatItSaw() throws Exception {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        var a = tokyo.hashIncrementByFloat(b("h"), b("f"), b("0.25"), 1);
        var c = virginia.hashIncrementByFloat(b("h"), b("f"), b("2"), 1);
        ship(virginia, a.delta());
        ship(tokyo, c.delta());
        assertThat(tokyo.hashGet(b("h"), b("f"))).contains(b("2.25")).isEqualTo(virginia.hashGet(b("h"), b("f")));
        tokyo.hashSet(b("h"), Map.of(b("f"), b("1")), 2);
        assertThat(tokyo.hashGet(b("h"), b("f"))).contains(b("1"));
        assertThatThrownBy(() -> tokyo.hashIncrementByFloat(b("h"), b("f"), b("inf"), 3))
                .hasMessage(Keyspace.HASH_INCREMENT_NOT_FINITE);
    }

    @Test
    void aStateWithFloatIncrements_survivesTheCodec_andReEncodesIdentically() throws Exception {
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.set(b("plain"), b("text"), 1);
        keyspace.incrementByFloat(b("f"), b("1000"), 2);
        keyspace.incrementByFloat(b("f"), b("0.1"), 3);
        keyspace.incrementBy(b("f2"), 3, 4);
        keyspace.incrementByFloat(b("f2"), b("0x1p-16000"), 5);
        keyspace.hashIncrementByFloat(b("h"), b("x"), b("-2.5"), 6);
        byte[] encoded = Codecs.encode(Keyspace.CODEC, keyspace.state());
        OrMap<Bytes, KeyValue> decoded = Codecs.decode(Keyspace.CODEC, encoded);
        assertThat(Codecs.encode(Keyspace.CODEC, decoded)).isEqualTo(encoded);
        assertThat(decoded).isEqualTo(keyspace.state());
        Keyspace restored = new Keyspace(VIRGINIA);
        restored.apply(decoded);
        assertThat(restored.get(b("f"))).contains(b("1000.09999999999999998"));
        assertThat(restored.get(b("f2"))).contains(b("3"));
        assertThat(restored.hashGet(b("h"), b("x"))).contains(b("-2.5"));
    }

    // ---- hashes and sets with a seeded random source

    @Test
    void randomFieldsAndMembers_followRedisCountRules_deterministicallyUnderASeed() throws Exception {
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.hashSet(b("h"), Map.of(b("a"), b("1"), b("b"), b("2"), b("c"), b("3")), 1);
        keyspace.setAdd(b("s"), List.of(b("a"), b("b"), b("c"), b("d"), b("e")), 1);
        long seed = 7;
        assertThat(keyspace.hashRandomFields(b("h"), 2, new SplittableRandom(seed)))
                .isEqualTo(keyspace.hashRandomFields(b("h"), 2, new SplittableRandom(seed))).hasSize(2)
                .doesNotHaveDuplicates();
        assertThat(keyspace.hashRandomFields(b("h"), 10, new SplittableRandom(seed))).hasSize(3);
        assertThat(keyspace.hashRandomFields(b("h"), -10, new SplittableRandom(seed))).hasSize(10);
        assertThat(keyspace.setRandomMembers(b("s"), 2, new SplittableRandom(seed))).hasSize(2).doesNotHaveDuplicates();
        assertThat(keyspace.setRandomMembers(b("s"), 4, new SplittableRandom(seed))).hasSize(4).doesNotHaveDuplicates();
        assertThat(keyspace.setRandomMembers(b("s"), -20, new SplittableRandom(seed))).hasSize(20);
        assertThat(keyspace.setRandomMembers(b("absent"), 3, new SplittableRandom(seed))).isEmpty();
    }

    @Test
    void spop_removesWhatItReturns_andConcurrentPopsMayReturnTheSameMember() throws Exception {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        ship(virginia, tokyo.setAdd(b("s"), List.of(b("only")), 1).delta());
        var a = tokyo.setPop(b("s"), 1, new SplittableRandom(1));
        var c = virginia.setPop(b("s"), 1, new SplittableRandom(2));
        assertThat(a.reply()).containsExactly(b("only"));
        assertThat(c.reply()).containsExactly(b("only"));
        ship(virginia, a.delta());
        ship(tokyo, c.delta());
        assertThat(tokyo.exists(b("s"))).isFalse();
        assertThat(virginia.exists(b("s"))).isFalse();
    }

    @Test
    void setAlgebra_moveAndStore() throws Exception {
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.setAdd(b("a"), List.of(b("1"), b("2"), b("3")), 1);
        keyspace.setAdd(b("b"), List.of(b("2"), b("3"), b("4")), 1);
        assertThat(keyspace.setAlgebra(Keyspace.SetOperation.INTERSECTION, List.of(b("a"), b("b")), 0))
                .containsExactlyInAnyOrder(b("2"), b("3"));
        assertThat(keyspace.setAlgebra(Keyspace.SetOperation.INTERSECTION, List.of(b("a"), b("b")), 1)).hasSize(1);
        assertThat(keyspace.setAlgebra(Keyspace.SetOperation.UNION, List.of(b("a"), b("b"), b("none")), 0)).hasSize(4);
        assertThat(keyspace.setAlgebra(Keyspace.SetOperation.DIFFERENCE, List.of(b("a"), b("b")), 0))
                .containsExactly(b("1"));
        assertThat(keyspace.setStore(b("d"), Set.of(b("x")), 2).reply()).isEqualTo(1);
        assertThat(keyspace.setStore(b("d"), Set.of(), 3).reply()).isEqualTo(0);
        assertThat(keyspace.exists(b("d"))).isFalse();
        assertThat(keyspace.setMove(b("a"), b("c"), b("1"), 4).reply()).isTrue();
        assertThat(keyspace.setMove(b("a"), b("c"), b("1"), 5).reply()).isFalse();
        assertThat(keyspace.setMembers(b("c"))).containsExactly(b("1"));
        keyspace.set(b("str"), b("v"), 6);
        assertThatThrownBy(() -> keyspace.setMove(b("a"), b("str"), b("2"), 7)).hasMessage(KeyspaceException.WRONG_TYPE);
        assertThat(keyspace.setContainsEach(b("a"), List.of(b("2"), b("9")))).containsExactly(true, false);
    }
}
