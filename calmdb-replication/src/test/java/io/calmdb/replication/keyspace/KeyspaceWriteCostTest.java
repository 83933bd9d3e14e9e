package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A write's cost follows its delta, never the collection it touches, so the keyspace answers "is this hash empty?"
 * from counts kept by the CRDTs instead of scanning them. These tests hold those counts (HLEN, SCARD) to a scan and
 * to a sequential model under seeded random commands at two replicas, and check that the delta of a one-member
 * write on a large collection encodes to a few bytes. Time is measured by {@code ./calmdb bench cost}, not here.
 */
class KeyspaceWriteCostTest {
    private static final ReplicaId TOKYO = ReplicaId.of("tokyo");
    private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");
    private static final int SEEDS = 200;
    private static final int STEPS = 120;
    private static final int MEMBERS_LARGE = 20_000;
    /** A one-member delta names the key, the member, a value and a handful of dots. */
    private static final int DELTA_BYTES_MAX = 64;

    private static Bytes b(String text) {
        return Bytes.ofUtf8(text);
    }

    @Test
    void hashAndSetSizes_equalAScanAndTheModel_underRandomCommands() {
        for (long seed = 1; seed <= SEEDS; seed++) {
            try {
                runOnce(seed);
            } catch (Throwable failure) {
                throw new AssertionError("seed " + seed + " failed (replay: KeyspaceWriteCostTest.runOnce(" + seed + "))",
                        failure);
            }
        }
    }

    /**
     * Tokyo takes every command and the model follows it; Virginia receives Tokyo's deltas late and in batches and
     * writes a little of its own, which Tokyo receives too. Only Tokyo's counts are held to the model while
     * Virginia has written nothing, since a concurrent write makes the model's sequential answer differ.
     */
    static void runOnce(long seed) throws KeyspaceException {
        SplittableRandom random = new SplittableRandom(seed);
        Keyspace tokyo = new Keyspace(TOKYO);
        Keyspace virginia = new Keyspace(VIRGINIA);
        Bytes[] hashes = {b("h0"), b("h1")};
        Bytes[] sets = {b("s0"), b("s1")};
        Map<Bytes, Map<Bytes, Long>> hashModel = new HashMap<>();
        Map<Bytes, Set<Bytes>> setModel = new HashMap<>();
        List<OrMap<Bytes, KeyValue>> toVirginia = new ArrayList<>();
        boolean virginiaWrote = false;
        long now = 1_000;
        for (int step = 0; step < STEPS; step++) {
            now++;
            Bytes hash = hashes[random.nextInt(hashes.length)];
            Bytes set = sets[random.nextInt(sets.length)];
            Bytes member = b("m" + random.nextInt(6));
            OrMap<Bytes, KeyValue> delta = null;
            switch (random.nextInt(9)) {
                case 0, 1 -> {
                    delta = tokyo.hashSet(hash, Map.of(member, b("7")), now).delta();
                    hashModel.computeIfAbsent(hash, k -> new HashMap<>()).put(member, 7L);
                }
                case 2 -> {
                    Bytes another = b("m" + random.nextInt(6));
                    delta = tokyo.hashDelete(hash, List.of(member, another)).delta();
                    Map<Bytes, Long> fields = hashModel.get(hash);
                    if (fields != null) {
                        fields.remove(member);
                        fields.remove(another);
                    }
                }
                case 3 -> {
                    long amount = 1 + random.nextInt(3);
                    delta = tokyo.hashIncrementBy(hash, member, amount, now).delta();
                    hashModel.computeIfAbsent(hash, k -> new HashMap<>()).merge(member, amount, Long::sum);
                }
                case 4, 5 -> {
                    delta = tokyo.setAdd(set, List.of(member), now).delta();
                    setModel.computeIfAbsent(set, k -> new HashSet<>()).add(member);
                }
                case 6 -> {
                    delta = tokyo.setRemove(set, List.of(member)).delta();
                    Set<Bytes> members = setModel.get(set);
                    if (members != null) {
                        members.remove(member);
                    }
                }
                case 7 -> {
                    Bytes key = random.nextBoolean() ? hash : set;
                    delta = tokyo.delete(List.of(key)).delta();
                    hashModel.remove(key);
                    setModel.remove(key);
                }
                default -> {
                    if (random.nextBoolean()) {
                        for (OrMap<Bytes, KeyValue> message : toVirginia) {
                            virginia.apply(message.copy());
                        }
                        toVirginia.clear();
                    } else if (random.nextInt(4) == 0) {
                        OrMap<Bytes, KeyValue> own = virginia.setAdd(set, List.of(b("v" + random.nextInt(3))), now).delta();
                        tokyo.apply(own.copy());
                        virginiaWrote = true;
                    }
                }
            }
            if (delta != null) {
                toVirginia.add(delta.copy());
            }
            for (Keyspace replica : List.of(tokyo, virginia)) {
                for (Bytes key : hashes) {
                    assertSizesMatchScan(replica, key);
                }
                for (Bytes key : sets) {
                    assertSizesMatchScan(replica, key);
                }
            }
            if (!virginiaWrote) {
                for (Bytes key : hashes) {
                    Map<Bytes, Long> fields = hashModel.getOrDefault(key, Map.of());
                    assertThat(tokyo.hashSize(key)).as("HLEN %s at step %d", key, step).isEqualTo(fields.size());
                    assertThat(tokyo.exists(key)).as("EXISTS %s at step %d", key, step).isEqualTo(!fields.isEmpty());
                }
                for (Bytes key : sets) {
                    Set<Bytes> members = setModel.getOrDefault(key, Set.of());
                    assertThat(tokyo.setSize(key)).as("SCARD %s at step %d", key, step).isEqualTo(members.size());
                    assertThat(tokyo.exists(key)).as("EXISTS %s at step %d", key, step).isEqualTo(!members.isEmpty());
                }
            }
        }
    }

    private static void assertSizesMatchScan(Keyspace keyspace, Bytes key) {
        KeyValue value = keyspace.state().get(key);
        if (value == null) {
            return;
        }
        assertThat(value.hash().size()).as("hash %s of %s", key, keyspace.replica()).isEqualTo(value.hash().keys().size());
        assertThat(value.set().size()).as("set %s of %s", key, keyspace.replica()).isEqualTo(value.set().elements().size());
        assertThat(value.hash().isEmpty()).isEqualTo(value.hash().keys().isEmpty());
        assertThat(value.set().isEmpty()).isEqualTo(value.set().elements().isEmpty());
    }

    @Test
    void oneMemberWrites_onALargeCollection_encodeSmallDeltas() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(TOKYO);
        Bytes hash = b("bighash");
        Bytes set = b("bigset");
        for (int i = 0; i < MEMBERS_LARGE; i++) {
            keyspace.hashSet(hash, Map.of(b("f" + i), b("v")), 1_000);
            keyspace.setAdd(set, List.of(b("m" + i)), 1_000);
        }
        Map<String, OrMap<Bytes, KeyValue>> deltas = new java.util.LinkedHashMap<>();
        deltas.put("HSET new field", keyspace.hashSet(hash, Map.of(b("new"), b("v")), 1_001).delta());
        deltas.put("HSET existing field", keyspace.hashSet(hash, Map.of(b("f7"), b("w")), 1_002).delta());
        deltas.put("HDEL", keyspace.hashDelete(hash, List.of(b("f8"))).delta());
        deltas.put("HINCRBY", keyspace.hashIncrementBy(hash, b("counter"), 5, 1_003).delta());
        deltas.put("SADD", keyspace.setAdd(set, List.of(b("new")), 1_004).delta());
        deltas.put("SREM", keyspace.setRemove(set, List.of(b("m9"))).delta());
        deltas.forEach((command, delta) ->
                assertThat(Codecs.encode(Keyspace.CODEC, delta).length).as(command).isLessThanOrEqualTo(DELTA_BYTES_MAX));
        assertThat(keyspace.hashSize(hash)).isEqualTo(MEMBERS_LARGE + 1);
        assertThat(keyspace.setSize(set)).isEqualTo(MEMBERS_LARGE);
    }
}
