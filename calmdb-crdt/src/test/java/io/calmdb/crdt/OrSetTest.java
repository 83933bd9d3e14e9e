package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OrSetTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final StateCodec<OrSet<String>> CODEC = OrSet.codec(ValueCodec.STRING);

    @Test
    void concurrentAddAndRemove_addWins() {
        OrSet<String> a = new OrSet<>();
        OrSet<String> b = new OrSet<>();
        b.merge(a.add(A, "milk"));
        OrSet<String> removal = a.remove("milk");
        OrSet<String> readd = b.add(B, "milk");
        a.merge(readd);
        b.merge(removal);
        assertThat(a.elements()).containsExactly("milk");
        assertThat(b).isEqualTo(a);
    }

    @Test
    void removeOfAnUnseenAdd_doesNotRemoveIt() {
        OrSet<String> a = new OrSet<>();
        OrSet<String> b = new OrSet<>();
        OrSet<String> add = a.add(A, "x");
        OrSet<String> removeAtB = b.remove("x");
        a.merge(removeAtB);
        b.merge(add);
        assertThat(a.contains("x")).isTrue();
        assertThat(b.contains("x")).isTrue();
    }

    @Test
    void removeAfterSync_thenConcurrentReAdd_isPresent() {
        OrSet<String> a = new OrSet<>();
        OrSet<String> b = new OrSet<>();
        b.merge(a.add(A, "x"));
        OrSet<String> remove = a.remove("x");
        OrSet<String> add = b.add(B, "x");
        a.merge(add);
        b.merge(remove);
        assertThat(a.contains("x")).isTrue();
        assertThat(b.elements()).isEqualTo(a.elements());
        assertThat(a.dots().get("x")).containsExactly(Dot.of("b", 1));
    }

    @Test
    void observedRemove_propagatesThroughFullStateMerge() {
        OrSet<String> a = new OrSet<>();
        a.add(A, "x");
        a.add(A, "y");
        OrSet<String> b = a.copy();
        a.remove("x");
        b.merge(a);
        assertThat(b.elements()).containsExactly("y");
    }

    @Test
    void clear_removesOnlyObservedElements() {
        OrSet<String> a = new OrSet<>();
        OrSet<String> b = new OrSet<>();
        b.merge(a.add(A, "x"));
        OrSet<String> concurrent = b.add(B, "y");
        OrSet<String> clear = a.clear();
        b.merge(clear);
        a.merge(concurrent);
        assertThat(a.elements()).containsExactly("y");
        assertThat(b).isEqualTo(a);
    }

    @Test
    void table_survivesRandomChurn_againstAHashSet() {
        long seed = 20261121L;
        SplittableRandom random = new SplittableRandom(seed);
        OrSet<Integer> set = new OrSet<>();
        Set<Integer> oracle = new HashSet<>();
        for (int step = 0; step < 200_000; step++) {
            // Integer keys with a small range collide and cluster, which exercises backward-shift deletion.
            int element = random.nextInt(5_000) * 1024;
            if (random.nextInt(3) == 0) {
                set.remove(element);
                oracle.remove(element);
            } else {
                set.add(A, element);
                oracle.add(element);
            }
        }
        assertThat(set.elements()).as("seed %d", seed).isEqualTo(oracle);
        assertThat(set.size()).isEqualTo(oracle.size());
        for (int element = 0; element < 5_000 * 1024; element += 1024) {
            assertThat(set.contains(element)).as("element %d, seed %d", element, seed).isEqualTo(oracle.contains(element));
        }
    }

    @Test
    void deltas_appliedInAnyOrderWithDuplicates_converge() {
        for (long seed = 1; seed <= 200; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            OrSet<String> source = new OrSet<>();
            List<OrSet<String>> deltas = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String element = "e" + random.nextInt(8);
                deltas.add(random.nextBoolean() ? source.add(A, element) : source.remove(element));
            }
            OrSet<String> target = new OrSet<>();
            List<OrSet<String>> shuffled = new ArrayList<>(deltas);
            shuffled.addAll(deltas.subList(0, 10));
            java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
            for (OrSet<String> delta : shuffled) {
                target.merge(delta);
            }
            assertThat(target.elements()).as("seed %d", seed).isEqualTo(source.elements());
            assertThat(target).as("seed %d", seed).isEqualTo(source);
        }
    }

    @Test
    void codec_roundTripsStatesAndDeltas() throws CodecException {
        OrSet<String> a = new OrSet<>();
        OrSet<String> b = new OrSet<>();
        for (int i = 0; i < 100; i++) {
            a.add(A, "a" + i);
            b.add(B, "b" + i);
        }
        b.merge(a.add(A, "both"));
        a.merge(b.add(B, "both"));
        OrSet<String> delta = a.remove("a7");
        for (OrSet<String> state : List.of(a, b, delta, new OrSet<String>())) {
            byte[] bytes = Codecs.encode(CODEC, state);
            OrSet<String> decoded = Codecs.decode(CODEC, bytes);
            assertThat(decoded).isEqualTo(state);
            assertThat(Codecs.encode(CODEC, decoded)).isEqualTo(bytes);
        }
    }

    @Test
    void codec_equalStatesEncodeToEqualBytes_whateverTheInsertionOrder() {
        OrSet<String> forward = new OrSet<>();
        OrSet<String> backward = new OrSet<>();
        List<OrSet<String>> deltas = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            deltas.add(forward.add(A, "e" + i));
        }
        for (int i = deltas.size() - 1; i >= 0; i--) {
            backward.merge(deltas.get(i));
        }
        assertThat(Codecs.encode(CODEC, backward)).isEqualTo(Codecs.encode(CODEC, forward));
    }

    @Test
    void oneAddDelta_isSmall() {
        OrSet<String> set = new OrSet<>();
        for (int i = 0; i < 500_000; i++) {
            set.add(A, "element-" + i);
        }
        byte[] delta = Codecs.encode(CODEC, set.add(A, "element-500000"));
        // 2 framing + 1 header + context (2 name + 3 base + 1 count) + store (1 + 15 element + 1 + 1 + 1).
        assertThat(delta.length).isLessThanOrEqualTo(32);
    }

    @Test
    void codec_rejectsTruncationsAndCorruptions_withCodecExceptionOnly() {
        OrSet<String> a = new OrSet<>();
        for (int i = 0; i < 20; i++) {
            a.add(A, "x" + i);
            a.add(B, "x" + (i / 2));
        }
        a.remove("x3");
        byte[] bytes = Codecs.encode(CODEC, a);
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] truncated = java.util.Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> Codecs.decode(CODEC, truncated)).isInstanceOf(CodecException.class);
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 5_000; trial++) {
            byte[] corrupt = bytes.clone();
            corrupt[random.nextInt(corrupt.length)] = (byte) random.nextInt(256);
            try {
                OrSet<String> decoded = Codecs.decode(CODEC, corrupt);
                // A corruption that still decodes must give a state that re-encodes to exactly those bytes.
                assertThat(Codecs.encode(CODEC, decoded)).as("trial %d", trial).isEqualTo(corrupt);
            } catch (CodecException expected) {
                // the only permitted failure
            }
        }
    }

    @Test
    void codec_rejectsHugeCountsWithoutAllocating() {
        byte[] hostile = {1, (byte) CrdtType.OR_SET.tag(), 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0x7F};
        assertThatThrownBy(() -> Codecs.decode(CODEC, hostile)).isInstanceOf(CodecException.class)
                .hasMessageContaining("set element count");
    }
}
