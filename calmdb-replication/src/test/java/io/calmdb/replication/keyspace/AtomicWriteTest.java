package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A unit of writes combined into one delta gives a peer exactly what the writes one by one give it. */
class AtomicWriteTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final int SEEDS = 200;
    private static final int WRITES_PER_UNIT_MAX = 12;

    private static Bytes b(String text) {
        return Bytes.ofUtf8(text);
    }

    @Test
    void setThenIncrementThenDelete_combineIntoOneDelta_thatAPeerAppliesAsTheSequence() throws Exception {
        Keyspace origin = new Keyspace(A);
        Keyspace peer = new Keyspace(B);
        AtomicWrite unit = new AtomicWrite();
        unit.add(origin.set(b("x"), b("5"), 1));
        assertThat(unit.add(origin.incrementBy(b("x"), 2, 1))).isEqualTo(7L);
        unit.add(origin.setAdd(b("s"), List.of(b("m")), 1));
        unit.add(origin.set(b("gone"), b("1"), 1));
        unit.add(origin.delete(List.of(b("gone"))));
        assertThat(unit.writes()).isEqualTo(5);

        peer.applyRemote(Codecs.decode(Keyspace.CODEC, Codecs.encode(Keyspace.CODEC, unit.delta())), 1);

        assertThat(peer.get(b("x"))).contains(b("7"));
        assertThat(peer.setMembers(b("s"))).containsExactly(b("m"));
        assertThat(peer.exists(b("gone"))).isFalse();
        assertThat(Codecs.encode(Keyspace.CODEC, peer.state())).isEqualTo(Codecs.encode(Keyspace.CODEC, origin.state()));
    }

    @Test
    void aUnitThatChangesNothing_hasNoDelta() throws Exception {
        Keyspace origin = new Keyspace(A);
        AtomicWrite unit = new AtomicWrite();
        assertThat(unit.add(origin.setRemove(b("s"), List.of(b("m"))))).isZero();
        assertThat(unit.delta()).isNull();
        assertThat(unit.writes()).isZero();
    }

    /** Against an oracle: the peer that got every write's own delta, in order. */
    @Test
    void randomUnits_givePeersTheSameStateAsTheirWritesOneByOne() {
        for (int seed = 0; seed < SEEDS; seed++) {
            try {
                runSeed(seed);
            } catch (AssertionError | Exception e) {
                throw new AssertionError("seed " + seed + " failed: " + e.getMessage(), e);
            }
        }
    }

    private static void runSeed(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        Keyspace origin = new Keyspace(A);
        Keyspace combinedPeer = new Keyspace(B);
        Keyspace oneByOnePeer = new Keyspace(B);
        for (int unitIndex = 0; unitIndex < 5; unitIndex++) {
            AtomicWrite unit = new AtomicWrite();
            int writes = 1 + random.nextInt(WRITES_PER_UNIT_MAX);
            for (int i = 0; i < writes; i++) {
                Keyspace.Write<?> write = randomWrite(origin, random, unitIndex * 100 + i);
                if (write == null) {
                    continue;
                }
                if (write.delta() != null) {
                    oneByOnePeer.applyRemote(Codecs.decode(Keyspace.CODEC, Codecs.encode(Keyspace.CODEC, write.delta())), 1);
                }
                unit.add(write);
            }
            if (unit.delta() != null) {
                combinedPeer.applyRemote(Codecs.decode(Keyspace.CODEC, Codecs.encode(Keyspace.CODEC, unit.delta())), 1);
            }
            assertThat(Codecs.encode(Keyspace.CODEC, combinedPeer.state()))
                    .isEqualTo(Codecs.encode(Keyspace.CODEC, oneByOnePeer.state()))
                    .isEqualTo(Codecs.encode(Keyspace.CODEC, origin.state()));
        }
    }

    private static Keyspace.Write<?> randomWrite(Keyspace keyspace, SplittableRandom random, long now) {
        Bytes key = b("k" + random.nextInt(3));
        try {
            return switch (random.nextInt(6)) {
                case 0 -> keyspace.set(key, b("v" + random.nextInt(5)), now);
                case 1 -> keyspace.incrementBy(key, 1 + random.nextInt(3), now);
                case 2 -> keyspace.setAdd(key, List.of(b("m" + random.nextInt(4))), now);
                case 3 -> keyspace.setRemove(key, List.of(b("m" + random.nextInt(4))));
                case 4 -> keyspace.hashSet(key, Map.of(b("f" + random.nextInt(3)), b("x")), now);
                default -> keyspace.delete(List.of(key));
            };
        } catch (KeyspaceException wrongType) {
            // A command of another type is refused and changes nothing, as inside EXEC.
            return null;
        }
    }

    @Test
    void watchMarkers_countWatchers_andChangeOnlyForTouchedKeys() {
        Keyspace keyspace = new Keyspace(A);
        long x = keyspace.watch(b("x"));
        long again = keyspace.watch(b("x"));
        long y = keyspace.watch(b("y"));
        keyspace.changed(keyspace.set(b("x"), b("1"), 1).delta().touchedKeys());
        assertThat(keyspace.changedSince(b("x"), x)).isTrue();
        assertThat(keyspace.changedSince(b("x"), again)).isTrue();
        assertThat(keyspace.changedSince(b("y"), y)).isFalse();
        keyspace.unwatch(b("x"));
        assertThat(keyspace.watchedKeys()).isEqualTo(2);
        keyspace.unwatch(b("x"));
        keyspace.unwatch(b("y"));
        assertThat(keyspace.watchedKeys()).isZero();
    }
}
