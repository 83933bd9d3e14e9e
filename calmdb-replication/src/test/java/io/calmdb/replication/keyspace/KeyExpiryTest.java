package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.Keyspace.ExpiryCondition;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Key expiry as replicated state: concurrent deadlines resolve to the latest, {@code PERSIST} beats them, a
 * sequential {@code EXPIRE} replaces, {@code SET} clears the deadline it observed unless {@code KEEPTTL}, an expired
 * key is invisible to every read and a write to it starts from an empty key, and active expiry is an observed remove.
 */
class KeyExpiryTest {
    private static final long T0 = 1_000_000;
    private static final Bytes K = Bytes.ofUtf8("k");

    private Keyspace tokyo;
    private Keyspace paris;

    @BeforeEach
    void replicas() {
        tokyo = new Keyspace(ReplicaId.of("tokyo"));
        paris = new Keyspace(ReplicaId.of("paris"));
        tokyo.setTaskTime(T0);
        paris.setTaskTime(T0);
    }

    /** Ships a write's delta to the other replica and returns the write's reply. */
    private static <T> T ship(Keyspace.Write<T> write, Keyspace to) {
        if (write.delta() != null) {
            to.applyRemote(write.delta().copy(), T0);
        }
        return write.reply();
    }

    private static Bytes b(String text) {
        return Bytes.ofUtf8(text);
    }

    @Test
    void concurrentExpire_theLongerDeadlineWins() {
        ship(tokyo.set(K, b("v"), T0), paris);
        var inTokyo = tokyo.expire(K, T0 + 5_000, ExpiryCondition.ALWAYS, T0);
        var inParis = paris.expire(K, T0 + 9_000, ExpiryCondition.ALWAYS, T0);
        ship(inTokyo, paris);
        ship(inParis, tokyo);

        assertThat(tokyo.deadline(K)).isEqualTo(T0 + 9_000);
        assertThat(paris.deadline(K)).isEqualTo(T0 + 9_000);
        assertThat(tokyo.state()).isEqualTo(paris.state());
    }

    @Test
    void persistConcurrentWithExpire_persistWins() {
        ship(tokyo.set(K, b("v"), T0), paris);
        ship(tokyo.expire(K, T0 + 5_000, ExpiryCondition.ALWAYS, T0), paris);
        var persisted = tokyo.persist(K, T0);
        var extended = paris.expire(K, T0 + 90_000, ExpiryCondition.ALWAYS, T0);
        assertThat(persisted.reply()).isTrue();
        ship(persisted, paris);
        ship(extended, tokyo);

        assertThat(tokyo.timeToLiveMillis(K)).isEqualTo(-1);
        assertThat(paris.timeToLiveMillis(K)).isEqualTo(-1);
        assertThat(tokyo.state()).isEqualTo(paris.state());
    }

    @Test
    void sequentialExpire_replacesTheEarlierDeadline_evenWithAShorterOne() {
        ship(tokyo.set(K, b("v"), T0), paris);
        ship(tokyo.expire(K, T0 + 9_000, ExpiryCondition.ALWAYS, T0), paris);
        ship(paris.expire(K, T0 + 2_000, ExpiryCondition.ALWAYS, T0), tokyo);

        assertThat(tokyo.deadline(K)).isEqualTo(T0 + 2_000);
        assertThat(tokyo.timeToLiveMillis(K)).isEqualTo(2_000);
    }

    @Test
    void set_clearsTheDeadlineItObserved_andKeepTtlKeepsIt() throws KeyspaceException {
        tokyo.set(K, b("v"), T0);
        tokyo.expire(K, T0 + 5_000, ExpiryCondition.ALWAYS, T0);
        tokyo.setString(K, b("kept"), null, true, false, false, T0);
        assertThat(tokyo.deadline(K)).isEqualTo(T0 + 5_000);
        assertThat(tokyo.get(K)).contains(b("kept"));

        tokyo.set(K, b("cleared"), T0);
        assertThat(tokyo.timeToLiveMillis(K)).isEqualTo(-1);
    }

    @Test
    void setWithExpiry_setsTheDeadline_andGetReturnsTheOldValue() throws KeyspaceException {
        tokyo.set(K, b("old"), T0);
        var write = tokyo.setString(K, b("new"), T0 + 300, false, false, true, T0);
        assertThat(write.reply().previous()).contains(b("old"));
        assertThat(tokyo.timeToLiveMillis(K)).isEqualTo(300);
        var onlyIfPresent = tokyo.setString(b("absent"), b("x"), null, false, true, false, T0);
        assertThat(onlyIfPresent.reply().written()).isFalse();
        assertThat(onlyIfPresent.delta()).isNull();
    }

    @Test
    void expireConditions_followRedis() {
        tokyo.set(K, b("v"), T0);
        assertThat(tokyo.expire(K, T0 + 100, ExpiryCondition.XX, T0).reply()).isFalse();
        assertThat(tokyo.expire(K, T0 + 100, ExpiryCondition.GT, T0).reply()).isFalse();
        assertThat(tokyo.expire(K, T0 + 100, ExpiryCondition.LT, T0).reply()).isTrue();
        assertThat(tokyo.expire(K, T0 + 200, ExpiryCondition.NX, T0).reply()).isFalse();
        assertThat(tokyo.expire(K, T0 + 50, ExpiryCondition.GT, T0).reply()).isFalse();
        assertThat(tokyo.expire(K, T0 + 200, ExpiryCondition.GT, T0).reply()).isTrue();
        assertThat(tokyo.expire(K, T0 + 300, ExpiryCondition.LT, T0).reply()).isFalse();
        assertThat(tokyo.expire(K, T0 + 150, ExpiryCondition.XX, T0).reply()).isTrue();
        assertThat(tokyo.deadline(K)).isEqualTo(T0 + 150);
        assertThat(tokyo.expire(b("absent"), T0 + 150, ExpiryCondition.ALWAYS, T0).reply()).isFalse();
    }

    @Test
    void expireAtOrBeforeNow_deletesTheKey() {
        ship(tokyo.set(K, b("v"), T0), paris);
        assertThat(ship(tokyo.expire(K, T0, ExpiryCondition.ALWAYS, T0), paris)).isTrue();
        assertThat(tokyo.exists(K)).isFalse();
        assertThat(paris.exists(K)).isFalse();
        assertThat(tokyo.state().get(K)).isNull();
    }

    @Test
    void expiredKey_isInvisibleToEveryRead_atTheTaskTime() throws KeyspaceException {
        tokyo.setAdd(b("s"), List.of(b("m")), T0);
        tokyo.hashSet(b("h"), Map.of(b("f"), b("v")), T0);
        tokyo.set(K, b("v"), T0);
        for (Bytes key : List.of(b("s"), b("h"), K)) {
            tokyo.expire(key, T0 + 300, ExpiryCondition.ALWAYS, T0);
        }
        tokyo.setTaskTime(T0 + 300);
        assertThat(tokyo.size()).as("at the deadline itself the key still exists, as in Redis").isEqualTo(3);

        tokyo.setTaskTime(T0 + 301);
        assertThat(tokyo.size()).isZero();
        assertThat(tokyo.keys(GlobPattern.of("*".getBytes()))).isEmpty();
        assertThat(tokyo.exists(K)).isFalse();
        assertThat(tokyo.type(b("h"))).isNull();
        assertThat(tokyo.get(K)).isEmpty();
        assertThat(tokyo.getMany(List.of(K, b("s")))).containsExactly(Optional.empty(), Optional.empty());
        assertThat(tokyo.hashGetAll(b("h"))).isEmpty();
        assertThat(tokyo.setMembers(b("s"))).isEmpty();
        assertThat(tokyo.timeToLiveMillis(K)).isEqualTo(-2);
        assertThat(tokyo.getAndDelete(K).reply()).isEmpty();
    }

    @Test
    void writeToAnExpiredKey_startsFromAnEmptyKeyWithoutDeadline() throws KeyspaceException {
        tokyo.setAdd(b("s"), List.of(b("old")), T0);
        tokyo.expire(b("s"), T0 + 10, ExpiryCondition.ALWAYS, T0);
        tokyo.incrementBy(K, 5, T0);
        tokyo.expire(K, T0 + 10, ExpiryCondition.ALWAYS, T0);
        tokyo.setTaskTime(T0 + 20);

        assertThat(tokyo.setAdd(b("s"), List.of(b("new")), T0 + 20).reply()).isEqualTo(1);
        assertThat(tokyo.setMembers(b("s"))).containsExactly(b("new"));
        assertThat(tokyo.timeToLiveMillis(b("s"))).isEqualTo(-1);
        assertThat(tokyo.incrementBy(K, 1, T0 + 20).reply()).isEqualTo(1);
        assertThat(tokyo.setString(K, b("x"), null, true, false, false, T0 + 20).reply().written()).isTrue();
        assertThat(tokyo.timeToLiveMillis(K)).as("KEEPTTL on an expired key keeps nothing").isEqualTo(-1);
    }

    @Test
    void activeExpiry_removesDueKeys_reclaimsThem_andIsBounded() {
        for (int i = 0; i < 5; i++) {
            Keyspace.Write<Void> set = tokyo.set(b("k" + i), b("v"), T0);
            tokyo.indexDeadlines(set.delta());
            tokyo.expire(b("k" + i), T0 + 100 + i, ExpiryCondition.ALWAYS, T0);
        }
        tokyo.set(b("lasting"), b("v"), T0);
        assertThat(tokyo.expiringKeys()).isEqualTo(5);
        assertThat(tokyo.expireDue(T0 + 100, 10).delta()).as("nothing is past its deadline yet").isNull();

        Keyspace.Write<Integer> first = tokyo.expireDue(T0 + 1_000, 3);
        assertThat(first.reply()).isEqualTo(3);
        ship(first, paris);
        Keyspace.Write<Integer> second = tokyo.expireDue(T0 + 1_000, 3);
        assertThat(second.reply()).isEqualTo(2);
        assertThat(tokyo.expireDue(T0 + 1_000, 3).reply()).isZero();
        for (int i = 0; i < 5; i++) {
            assertThat(tokyo.state().get(b("k" + i))).as("memory of k%d reclaimed", i).isNull();
        }
        assertThat(tokyo.state().get(b("lasting"))).isNotNull();
        assertThat(tokyo.expiringKeys()).isZero();
    }

    @Test
    void activeExpiry_isAnObservedRemove_aConcurrentWriteSurvives() throws KeyspaceException {
        ship(tokyo.setAdd(K, List.of(b("seen")), T0), paris);
        ship(tokyo.expire(K, T0 + 100, ExpiryCondition.ALWAYS, T0), paris);
        // Paris adds a member before its clock reaches the deadline; Tokyo sweeps without having seen it.
        var concurrentAdd = paris.setAdd(K, List.of(b("unseen")), T0 + 50);
        var sweep = tokyo.expireDue(T0 + 200, 10);
        assertThat(sweep.reply()).isEqualTo(1);
        ship(sweep, paris);
        ship(concurrentAdd, tokyo);
        tokyo.setTaskTime(T0 + 200);
        paris.setTaskTime(T0 + 200);

        assertThat(tokyo.setMembers(K)).containsExactly(b("unseen"));
        assertThat(paris.setMembers(K)).containsExactly(b("unseen"));
        assertThat(tokyo.timeToLiveMillis(K)).as("the sweep removed the deadline it observed").isEqualTo(-1);
        assertThat(tokyo.state()).isEqualTo(paris.state());
    }

    @Test
    void deleteConcurrentWithExpire_leavesNoVisibleKey_andTheSweepReclaimsTheOrphanDeadline() {
        ship(tokyo.set(K, b("v"), T0), paris);
        var deleted = tokyo.delete(List.of(K));
        var persisted = paris.expire(K, T0 + 60_000, ExpiryCondition.ALWAYS, T0);
        ship(deleted, paris);
        ship(persisted, tokyo);

        assertThat(tokyo.exists(K)).isFalse();
        assertThat(tokyo.state().get(K)).as("only the concurrent deadline is left").isNotNull();
        var sweep = tokyo.expireDue(T0 + 1, 10);
        ship(sweep, paris);
        assertThat(tokyo.state().get(K)).isNull();
        assertThat(paris.state().get(K)).isNull();
    }

    @Test
    void deleteConcurrentWithSet_theSetSurvivesWithoutTheObservedDeadline() throws KeyspaceException {
        ship(tokyo.set(K, b("v"), T0), paris);
        ship(tokyo.expire(K, T0 + 500, ExpiryCondition.ALWAYS, T0), paris);
        var deleted = tokyo.delete(List.of(K));
        var set = paris.setString(K, b("w"), null, true, false, false, T0);
        ship(deleted, paris);
        ship(set, tokyo);

        assertThat(tokyo.get(K)).contains(b("w"));
        assertThat(tokyo.timeToLiveMillis(K)).as("DEL removed the deadline KEEPTTL kept").isEqualTo(-1);
        assertThat(tokyo.state()).isEqualTo(paris.state());
    }

    @Test
    void getAndExpire_setsOrRemovesTheDeadline_andAPastOneDeletes() throws KeyspaceException {
        tokyo.set(K, b("v"), T0);
        assertThat(tokyo.getAndExpire(K, T0 + 400, false, T0).reply()).contains(b("v"));
        assertThat(tokyo.timeToLiveMillis(K)).isEqualTo(400);
        assertThat(tokyo.getAndExpire(K, null, true, T0).reply()).contains(b("v"));
        assertThat(tokyo.timeToLiveMillis(K)).isEqualTo(-1);
        assertThat(tokyo.getAndExpire(K, T0 - 1, false, T0).reply()).contains(b("v"));
        assertThat(tokyo.exists(K)).isFalse();
        assertThat(tokyo.getAndExpire(K, T0 + 400, false, T0).delta()).isNull();
    }

    @Test
    void codec_roundTripsDeadlinesAndPersist() throws CodecException {
        tokyo.set(K, b("v"), T0);
        tokyo.expire(K, T0 + 1_234, ExpiryCondition.ALWAYS, T0);
        ship(tokyo.set(b("p"), b("v"), T0), paris);
        ship(tokyo.expire(b("p"), T0 + 50, ExpiryCondition.ALWAYS, T0), paris);
        var persisted = tokyo.persist(b("p"), T0);
        var expired = paris.expire(b("p"), T0 + 99, ExpiryCondition.ALWAYS, T0);
        ship(persisted, paris);
        ship(expired, tokyo);

        byte[] encoded = Codecs.encode(Keyspace.CODEC, tokyo.state());
        OrMap<Bytes, KeyValue> decoded = Codecs.decode(Keyspace.CODEC, encoded);
        assertThat(decoded).isEqualTo(tokyo.state());
        assertThat(Codecs.encode(Keyspace.CODEC, decoded)).isEqualTo(encoded);
        assertThat(decoded.get(K).deadline()).isEqualTo(T0 + 1_234);
        assertThat(decoded.get(b("p")).expiryRegister().values()).containsExactlyInAnyOrder(KeyValue.NO_DEADLINE, T0 + 99);
        assertThat(decoded.get(b("p")).deadline()).isNull();

        Keyspace recovered = new Keyspace(ReplicaId.of("tokyo"));
        recovered.apply(decoded);
        assertThat(recovered.expiringKeys()).as("recovery rebuilds the deadline index").isEqualTo(1);
        assertThat(recovered.expireDue(T0 + 2_000, 10).reply()).isEqualTo(1);
        assertThat(Set.copyOf(recovered.state().keys())).containsExactly(b("p"));
    }

    @Test
    void averageTimeToLive_isTheMeanOfTheDeadlines() {
        tokyo.set(K, b("v"), T0);
        tokyo.set(b("j"), b("v"), T0);
        tokyo.expire(K, T0 + 1_000, ExpiryCondition.ALWAYS, T0);
        tokyo.expire(b("j"), T0 + 3_000, ExpiryCondition.ALWAYS, T0);
        assertThat(tokyo.expiringKeys()).isEqualTo(2);
        assertThat(tokyo.averageTimeToLiveMillis(T0)).isEqualTo(2_000);
    }

    @Test
    void stringEdits_keepTheTtl_andRenameAndCopy_carryIt_asInRedis() throws Exception {
        ship(tokyo.setString(K, b("ab"), T0 + 5_000, false, false, false, T0), paris);
        ship(tokyo.append(K, b("cd"), T0), paris);
        ship(tokyo.setRange(K, 1, b("X"), T0), paris);
        ship(tokyo.setBit(K, 0, 1, T0), paris);
        assertThat(paris.deadline(K)).isEqualTo(T0 + 5_000);
        assertThat(paris.get(K)).isPresent();

        ship(tokyo.copy(K, b("copy"), false, T0), paris);
        ship(tokyo.rename(K, b("renamed"), false, T0), paris);
        assertThat(paris.deadline(b("copy"))).isEqualTo(T0 + 5_000);
        assertThat(paris.deadline(b("renamed"))).isEqualTo(T0 + 5_000);
        assertThat(paris.exists(K)).isFalse();

        paris.setTaskTime(T0 + 5_001);
        assertThat(paris.exists(b("renamed"))).isFalse();
        assertThat(paris.expireDue(T0 + 5_001, 100).reply()).isEqualTo(2);
    }

    @Test
    void floatIncrementOnAnExpiredKey_startsFromAnEmptyKey() throws Exception {
        tokyo.setString(K, b("10"), T0 + 100, false, false, false, T0);
        Bytes h = b("h");
        tokyo.hashSet(h, Map.of(b("f"), b("10")), T0);
        tokyo.expire(h, T0 + 100, ExpiryCondition.ALWAYS, T0);
        tokyo.setTaskTime(T0 + 200);
        assertThat(tokyo.incrementByFloat(K, b("1.5"), T0 + 200).reply()).isEqualTo(b("1.5"));
        assertThat(tokyo.hashIncrementByFloat(h, b("f"), b("1.5"), T0 + 200).reply()).isEqualTo(b("1.5"));
        assertThat(tokyo.deadline(K)).isNull();
        assertThat(tokyo.deadline(h)).isNull();
    }
}
