package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link OrMap} and {@link OrSet} keep the number of present entries as a running count, so that a write asking
 * "is this value empty?" does not scan it. These tests hold the count to a scan of the entries after every step of
 * random operations, deltas accumulated into other deltas (which list removed entries without dots), merges of
 * late and duplicated deltas, full-state merges, copies, extracts and codec round trips. Seeded: a failure names
 * the seed that replays it.
 */
class PresentCountTest {
    private static final List<ReplicaId> REPLICAS = List.of(ReplicaId.of("r0"), ReplicaId.of("r1"), ReplicaId.of("r2"));
    private static final String[] KEYS = {"k0", "k1", "k2", "k3"};
    private static final String[] ELEMENTS = {"e0", "e1", "e2", "e3", "e4"};
    private static final int SEEDS = 300;
    private static final int STEPS = 80;

    private static final CausalType<OrSet<String>> SET_TYPE = OrSet.type(ValueCodec.STRING);
    private static final StateCodec<OrMap<String, OrSet<String>>> MAP_CODEC = OrMap.codec(ValueCodec.STRING, SET_TYPE);
    private static final StateCodec<OrSet<String>> SET_CODEC = OrSet.codec(ValueCodec.STRING);

    @Test
    void mapOfSets_countEqualsScan_underRandomOperations() {
        for (long seed = 1; seed <= SEEDS; seed++) {
            try {
                runMapOfSets(seed);
            } catch (Throwable failure) {
                throw new AssertionError("seed " + seed + " failed (replay: PresentCountTest.runMapOfSets(" + seed + "))",
                        failure);
            }
        }
    }

    @Test
    void plainSet_countEqualsScan_underRandomOperations() {
        for (long seed = 1; seed <= SEEDS; seed++) {
            try {
                runPlainSet(seed);
            } catch (Throwable failure) {
                throw new AssertionError("seed " + seed + " failed (replay: PresentCountTest.runPlainSet(" + seed + "))",
                        failure);
            }
        }
    }

    @Test
    void removedKey_leavesCountsExact_inStateAndDelta() {
        OrMap<String, OrSet<String>> map = new OrMap<>(SET_TYPE);
        map.update("a", set -> set.add(REPLICAS.get(0), "x"));
        map.update("b", set -> set.add(REPLICAS.get(0), "y"));
        OrMap<String, OrSet<String>> removal = map.remove("a");
        assertThat(map.size()).isEqualTo(1).isEqualTo(map.countPresentByScan());
        // The removal delta lists "a" with an empty partial value: it is not bottom, so it counts as in a scan.
        assertThat(removal.size()).isEqualTo(removal.countPresentByScan());
        assertThat(removal.isBottom()).isFalse();
        OrMap<String, OrSet<String>> removedAll = map.update("b", set -> set.remove("y"));
        assertThat(map.isEmpty()).isTrue();
        assertThat(map.isBottom()).isTrue();
        assertThat(removedAll.size()).isEqualTo(removedAll.countPresentByScan());
    }

    static void runMapOfSets(long seed) throws CodecException {
        SplittableRandom random = new SplittableRandom(seed);
        List<OrMap<String, OrSet<String>>> replicas = new ArrayList<>();
        List<OrMap<String, OrSet<String>>> accumulated = new ArrayList<>();
        for (int i = 0; i < REPLICAS.size(); i++) {
            replicas.add(new OrMap<>(SET_TYPE));
            accumulated.add(null);
        }
        List<OrMap<String, OrSet<String>>> inFlight = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            int at = random.nextInt(replicas.size());
            OrMap<String, OrSet<String>> map = replicas.get(at);
            String key = KEYS[random.nextInt(KEYS.length)];
            String element = ELEMENTS[random.nextInt(ELEMENTS.length)];
            int choice = random.nextInt(12);
            OrMap<String, OrSet<String>> delta = null;
            if (choice < 4) {
                delta = map.update(key, set -> set.add(REPLICAS.get(at), element));
            } else if (choice < 6) {
                delta = map.update(key, set -> set.remove(element));
            } else if (choice == 6) {
                delta = map.remove(key);
            } else if (choice == 7) {
                delta = random.nextInt(3) == 0 ? map.clear() : map.remove(key);
            } else if (choice < 10 && !inFlight.isEmpty()) {
                OrMap<String, OrSet<String>> message = inFlight.get(random.nextInt(inFlight.size()));
                if (random.nextBoolean()) {
                    inFlight.remove(message);
                }
                map.merge(message.copy());
            } else if (choice == 10) {
                map.merge(replicas.get(random.nextInt(replicas.size())).copy());
            } else {
                OrMap<String, OrSet<String>> extract = replicas.get(random.nextInt(replicas.size())).extract(key);
                if (extract != null) {
                    assertCountsExact(extract);
                    map.merge(extract);
                }
            }
            if (delta != null) {
                assertCountsExact(delta);
                inFlight.add(delta.copy());
                // Deltas joined into one another, as a batch combines them: removals stay listed without dots.
                OrMap<String, OrSet<String>> batch = accumulated.get(at);
                accumulated.set(at, batch == null ? delta.copy() : batch.merge(delta.copy()));
                assertCountsExact(accumulated.get(at));
            }
            assertCountsExact(map);
            assertCountsExact(map.copy());
            assertCountsExact(Codecs.decode(MAP_CODEC, Codecs.encode(MAP_CODEC, map)));
        }
        for (OrMap<String, OrSet<String>> batch : accumulated) {
            if (batch != null) {
                assertCountsExact(Codecs.decode(MAP_CODEC, Codecs.encode(MAP_CODEC, batch)));
                OrMap<String, OrSet<String>> receiver = new OrMap<>(SET_TYPE);
                receiver.merge(batch);
                assertCountsExact(receiver);
            }
        }
    }

    static void runPlainSet(long seed) throws CodecException {
        SplittableRandom random = new SplittableRandom(seed);
        List<OrSet<String>> replicas = new ArrayList<>();
        List<OrSet<String>> accumulated = new ArrayList<>();
        for (int i = 0; i < REPLICAS.size(); i++) {
            replicas.add(new OrSet<>());
            accumulated.add(null);
        }
        List<OrSet<String>> inFlight = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            int at = random.nextInt(replicas.size());
            OrSet<String> set = replicas.get(at);
            String element = ELEMENTS[random.nextInt(ELEMENTS.length)];
            int choice = random.nextInt(10);
            OrSet<String> delta = null;
            if (choice < 4) {
                delta = set.add(REPLICAS.get(at), element);
            } else if (choice < 6) {
                delta = set.remove(element);
            } else if (choice == 6) {
                delta = set.clear();
            } else if (choice < 9 && !inFlight.isEmpty()) {
                OrSet<String> message = inFlight.get(random.nextInt(inFlight.size()));
                if (random.nextBoolean()) {
                    inFlight.remove(message);
                }
                set.merge(message.copy());
            } else {
                set.merge(replicas.get(random.nextInt(replicas.size())).copy());
            }
            if (delta != null) {
                assertCountsExact(delta);
                inFlight.add(delta.copy());
                OrSet<String> batch = accumulated.get(at);
                accumulated.set(at, batch == null ? delta.copy() : batch.merge(delta.copy()));
                assertCountsExact(accumulated.get(at));
                assertCountsExact(Codecs.decode(SET_CODEC, Codecs.encode(SET_CODEC, accumulated.get(at))));
            }
            assertCountsExact(set);
            assertCountsExact(set.copy());
            assertCountsExact(Codecs.decode(SET_CODEC, Codecs.encode(SET_CODEC, set)));
        }
    }

    private static void assertCountsExact(OrMap<String, OrSet<String>> map) {
        int scanned = map.countPresentByScan();
        assertThat(map.size()).as("size of %s", map).isEqualTo(scanned);
        assertThat(map.keys()).hasSize(scanned);
        assertThat(map.isEmpty()).isEqualTo(scanned == 0);
        assertThat(map.isBottom()).as("isBottom of %s", map)
                .isEqualTo(scanned == 0 && (!map.isPartial() || map.touchedKeys().isEmpty()));
        for (String key : map.touchedKeys()) {
            OrSet<String> nested = map.get(key);
            if (nested != null) {
                assertCountsExact(nested);
            }
        }
    }

    private static void assertCountsExact(OrSet<String> set) {
        int scanned = set.countPresentByScan();
        assertThat(set.size()).as("size of %s", set).isEqualTo(scanned);
        assertThat(set.elements()).hasSize(scanned);
        assertThat(set.isEmpty()).isEqualTo(scanned == 0);
    }
}
