package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeyspaceTest {
    private static final ReplicaId TOKYO = ReplicaId.of("tokyo");
    private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");

    private static Bytes b(String text) {
        return Bytes.ofUtf8(text);
    }

    private static void exchange(Keyspace from, Keyspace to, OrMap<Bytes, KeyValue> delta) {
        if (delta != null) {
            to.apply(delta.copy());
        }
    }

    @Test
    void setThenGet_andTypeIsString() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.set(b("greeting"), b("hello"), 1_000);
        assertThat(keyspace.get(b("greeting"))).contains(b("hello"));
        assertThat(keyspace.type(b("greeting"))).isEqualTo(Kind.STRING);
        assertThat(keyspace.get(b("missing"))).isEmpty();
    }

    @Test
    void incr_onAbsentKey_startsAtZero_andSetThenIncrCountsFromTheValue() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(TOKYO);
        assertThat(keyspace.incrementBy(b("hits"), 1, 1_000).reply()).isEqualTo(1);
        assertThat(keyspace.incrementBy(b("hits"), 5, 1_001).reply()).isEqualTo(6);
        keyspace.set(b("n"), b("10"), 1_002);
        assertThat(keyspace.incrementBy(b("n"), -3, 1_003).reply()).isEqualTo(7);
        assertThat(keyspace.get(b("n"))).contains(b("7"));
    }

    @Test
    void incr_onText_orAtTheLimit_isRefusedAndChangesNothing() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.set(b("name"), b("ada"), 1_000);
        assertThatThrownBy(() -> keyspace.incrementBy(b("name"), 1, 1_001)).hasMessage(KeyspaceException.NOT_AN_INTEGER);
        keyspace.set(b("big"), b(Long.toString(Long.MAX_VALUE)), 1_002);
        assertThatThrownBy(() -> keyspace.incrementBy(b("big"), 1, 1_003)).hasMessage(KeyspaceException.OVERFLOW);
        assertThat(keyspace.get(b("big"))).contains(b(Long.toString(Long.MAX_VALUE)));
        assertThat(keyspace.get(b("name"))).contains(b("ada"));
    }

    @Test
    void commandsOfAnotherType_getWrongType() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.setAdd(b("tags"), List.of(b("a")), 1_000);
        assertThatThrownBy(() -> keyspace.get(b("tags"))).hasMessage(KeyspaceException.WRONG_TYPE);
        assertThatThrownBy(() -> keyspace.incrementBy(b("tags"), 1, 1_001)).hasMessage(KeyspaceException.WRONG_TYPE);
        assertThatThrownBy(() -> keyspace.hashSet(b("tags"), Map.of(b("f"), b("v")), 1_002))
                .hasMessage(KeyspaceException.WRONG_TYPE);
        // SET replaces a key of any type, as in Redis.
        keyspace.set(b("tags"), b("now a string"), 1_003);
        assertThat(keyspace.get(b("tags"))).contains(b("now a string"));
        assertThat(keyspace.getMany(List.of(b("tags"), b("nope")))).containsExactly(Optional.of(b("now a string")), Optional.empty());
    }

    @Test
    void sets_addRemoveAndDisappearWhenEmpty() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(TOKYO);
        assertThat(keyspace.setAdd(b("s"), List.of(b("a"), b("b"), b("a")), 1_000).reply()).isEqualTo(2);
        assertThat(keyspace.setSize(b("s"))).isEqualTo(2);
        assertThat(keyspace.setContains(b("s"), b("a"))).isTrue();
        assertThat(keyspace.setRemove(b("s"), List.of(b("a"), b("zz"))).reply()).isEqualTo(1);
        assertThat(keyspace.setMembers(b("s"))).containsExactly(b("b"));
        keyspace.setRemove(b("s"), List.of(b("b")));
        assertThat(keyspace.exists(b("s"))).isFalse();
        assertThat(keyspace.state().get(b("s"))).isNull();
    }

    @Test
    void hashes_setGetIncrementDelete() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(TOKYO);
        assertThat(keyspace.hashSet(b("user"), Map.of(b("name"), b("ada"), b("age"), b("36")), 1_000).reply()).isEqualTo(2);
        assertThat(keyspace.hashSet(b("user"), Map.of(b("name"), b("grace")), 1_001).reply()).isEqualTo(0);
        assertThat(keyspace.hashGet(b("user"), b("name"))).contains(b("grace"));
        assertThat(keyspace.hashIncrementBy(b("user"), b("age"), 1, 1_002).reply()).isEqualTo(37);
        assertThat(keyspace.hashIncrementBy(b("user"), b("visits"), 2, 1_003).reply()).isEqualTo(2);
        assertThatThrownBy(() -> keyspace.hashIncrementBy(b("user"), b("name"), 1, 1_004))
                .hasMessage(KeyspaceException.HASH_NOT_AN_INTEGER);
        assertThat(keyspace.hashGetAll(b("user"))).containsOnlyKeys(b("name"), b("age"), b("visits"));
        assertThat(keyspace.hashDelete(b("user"), List.of(b("name"), b("age"), b("visits"))).reply()).isEqualTo(3);
        assertThat(keyspace.exists(b("user"))).isFalse();
    }

    @Test
    void concurrentIncrements_atTwoRegions_sum() throws KeyspaceException {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        var t = tokyo.incrementBy(b("likes"), 3, 1_000);
        var v = virginia.incrementBy(b("likes"), 4, 1_000);
        exchange(tokyo, virginia, t.delta());
        exchange(virginia, tokyo, v.delta());
        assertThat(tokyo.get(b("likes"))).contains(b("7"));
        assertThat(virginia.state()).isEqualTo(tokyo.state());
    }

    @Test
    void deleteConcurrentWithAdd_keepsOnlyWhatTheDeleterHadNotSeen() throws KeyspaceException {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        exchange(tokyo, virginia, tokyo.setAdd(b("cart"), List.of(b("milk")), 1_000).delta());
        var delete = tokyo.delete(List.of(b("cart")));
        assertThat(delete.reply()).isEqualTo(1);
        var add = virginia.setAdd(b("cart"), List.of(b("eggs")), 1_001);
        exchange(tokyo, virginia, delete.delta());
        exchange(virginia, tokyo, add.delta());
        assertThat(tokyo.setMembers(b("cart"))).containsExactly(b("eggs"));
        assertThat(virginia.setMembers(b("cart"))).containsExactly(b("eggs"));
        assertThat(tokyo.type(b("cart"))).isEqualTo(Kind.SET);
    }

    @Test
    void deleteConcurrentWithIncrement_keepsTheIncrementersEntry() throws KeyspaceException {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        exchange(tokyo, virginia, tokyo.incrementBy(b("n"), 5, 1_000).delta());
        var delete = tokyo.delete(List.of(b("n")));
        var increment = virginia.incrementBy(b("n"), 1, 1_001);
        exchange(tokyo, virginia, delete.delta());
        exchange(virginia, tokyo, increment.delta());
        assertThat(tokyo.get(b("n"))).contains(b("1"));
        assertThat(virginia.state()).isEqualTo(tokyo.state());
    }

    @Test
    void concurrentCreationWithDifferentTypes_convergesOnTheLaterCreation() throws KeyspaceException {
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        var asString = tokyo.set(b("k"), b("text"), 1_000);
        var asSet = virginia.setAdd(b("k"), List.of(b("m")), 2_000);
        exchange(tokyo, virginia, asString.delta());
        exchange(virginia, tokyo, asSet.delta());
        assertThat(tokyo.type(b("k"))).isEqualTo(Kind.SET);
        assertThat(virginia.type(b("k"))).isEqualTo(Kind.SET);
        assertThatThrownBy(() -> tokyo.get(b("k"))).hasMessage(KeyspaceException.WRONG_TYPE);
        // A later SET observes both slots and replaces them.
        exchange(tokyo, virginia, tokyo.set(b("k"), b("final"), 3_000).delta());
        assertThat(virginia.get(b("k"))).contains(b("final"));
        assertThat(virginia.rawSet(b("k")).isEmpty()).isTrue();
    }

    @Test
    void keysAndDbsize_matchGlobs() {
        Keyspace keyspace = new Keyspace(TOKYO);
        for (String key : List.of("user:1", "user:2", "order:1")) {
            keyspace.set(b(key), b("x"), 1_000);
        }
        assertThat(keyspace.keys(GlobPattern.of("user:*".getBytes()))).containsExactlyInAnyOrder(b("user:1"), b("user:2"));
        assertThat(keyspace.size()).isEqualTo(3);
        assertThat(keyspace.delete(List.of(b("user:1"), b("nope"))).reply()).isEqualTo(1);
        assertThat(keyspace.size()).isEqualTo(2);
    }

    @Test
    void hashIncrementResult_refusesExactlyWhatHashIncrementByRefuses_andChangesNothing() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(TOKYO);
        keyspace.hashSet(b("h"), Map.of(b("plus"), b("+5"), b("zero"), b("05"), b("n"), b("41"),
                b("max"), b(Long.toString(Long.MAX_VALUE))), 1_000);
        keyspace.set(b("text"), b("hello"), 1_001);
        var before = keyspace.state().copy();
        for (String field : List.of("plus", "zero")) {
            assertThatThrownBy(() -> keyspace.hashIncrementResult(b("h"), b(field), 1))
                    .hasMessage(KeyspaceException.HASH_NOT_AN_INTEGER);
            assertThatThrownBy(() -> keyspace.hashIncrementBy(b("h"), b(field), 1, 1_002))
                    .hasMessage(KeyspaceException.HASH_NOT_AN_INTEGER);
        }
        assertThatThrownBy(() -> keyspace.hashIncrementResult(b("h"), b("max"), 1))
                .hasMessage(KeyspaceException.OVERFLOW);
        assertThatThrownBy(() -> keyspace.hashIncrementResult(b("text"), b("f"), 1))
                .hasMessage(KeyspaceException.WRONG_TYPE);
        assertThat(keyspace.hashIncrementResult(b("h"), b("n"), 1)).isEqualTo(42);
        assertThat(keyspace.hashIncrementResult(b("h"), b("absent"), 7)).isEqualTo(7);
        assertThat(keyspace.state()).isEqualTo(before);
        assertThat(keyspace.hashIncrementBy(b("h"), b("n"), 1, 1_003).reply()).isEqualTo(42);
    }

    @Test
    void getInteger_readsWithIncrbyRules() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(TOKYO);
        assertThat(keyspace.getInteger(b("absent"))).isZero();
        keyspace.set(b("plus"), b("+5"), 1_000);
        keyspace.set(b("n"), b("-12"), 1_001);
        keyspace.setAdd(b("s"), List.of(b("m")), 1_002);
        assertThatThrownBy(() -> keyspace.getInteger(b("plus"))).hasMessage(KeyspaceException.NOT_AN_INTEGER);
        assertThatThrownBy(() -> keyspace.incrementBy(b("plus"), 1, 1_003)).hasMessage(KeyspaceException.NOT_AN_INTEGER);
        assertThatThrownBy(() -> keyspace.getInteger(b("s"))).hasMessage(KeyspaceException.WRONG_TYPE);
        assertThat(keyspace.getInteger(b("n"))).isEqualTo(-12);
    }
}
