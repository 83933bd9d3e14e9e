package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random operations at four replicas whose deltas arrive late, out of order and twice, mixed with full-state
 * merges; at the end every replica must hold the same state and encode to the same bytes. Seeded: a failure
 * names its seed.
 */
class OrMapConvergenceTest {
    private static final List<ReplicaId> REPLICAS =
            List.of(ReplicaId.of("r0"), ReplicaId.of("r1"), ReplicaId.of("r2"), ReplicaId.of("r3"));
    private static final String[] KEYS = {"k0", "k1", "k2"};
    private static final String[] ELEMENTS = {"e0", "e1", "e2", "e3"};

    private record Message<T>(int target, T delta) {}

    @Test
    void nestedSets_converge() throws CodecException {
        CausalType<OrSet<String>> type = OrSet.type(ValueCodec.STRING);
        runSeeds(() -> new OrMap<>(type), OrMap.codec(ValueCodec.STRING, type), (map, replica, random) -> {
            String key = KEYS[random.nextInt(KEYS.length)];
            String element = ELEMENTS[random.nextInt(ELEMENTS.length)];
            return switch (random.nextInt(5)) {
                case 0 -> map.remove(key);
                case 1 -> map.get(key) == null ? map.remove(key) : map.update(key, set -> set.remove(element));
                case 2 -> random.nextInt(4) == 0 ? map.clear() : map.update(key, set -> set.add(replica, element));
                default -> map.update(key, set -> set.add(replica, element));
            };
        });
    }

    @Test
    void nestedCountersRegistersAndFlags_converge() throws CodecException {
        CausalType<CausalCounter> counters = CausalCounter.type();
        runSeeds(() -> new OrMap<>(counters), OrMap.codec(ValueCodec.STRING, counters), (map, replica, random) -> {
            String key = KEYS[random.nextInt(KEYS.length)];
            return switch (random.nextInt(4)) {
                case 0 -> map.remove(key);
                case 1 -> map.update(key, counter -> counter.decrement(replica, 1 + random.nextInt(3)));
                default -> map.update(key, counter -> counter.increment(replica, 1 + random.nextInt(3)));
            };
        });
        CausalType<MvRegister<String>> registers = MvRegister.type(ValueCodec.STRING);
        long[] clock = {0};
        runSeeds(() -> new OrMap<>(registers), OrMap.codec(ValueCodec.STRING, registers), (map, replica, random) -> {
            String key = KEYS[random.nextInt(KEYS.length)];
            clock[0]++;
            return random.nextInt(4) == 0 ? map.remove(key)
                    : map.update(key, register -> register.write(replica, "v" + clock[0], new HlcTimestamp(clock[0], 0)));
        });
        CausalType<EnableWinsFlag> flags = EnableWinsFlag.type();
        runSeeds(() -> new OrMap<>(flags), OrMap.codec(ValueCodec.STRING, flags), (map, replica, random) -> {
            String key = KEYS[random.nextInt(KEYS.length)];
            return random.nextBoolean() ? map.update(key, flag -> flag.enable(replica))
                    : map.get(key) == null ? map.remove(key) : map.update(key, EnableWinsFlag::disable);
        });
    }

    @Test
    void plainSets_converge() throws CodecException {
        runSeeds(OrSet::new, OrSet.codec(ValueCodec.STRING), (set, replica, random) -> {
            String element = ELEMENTS[random.nextInt(ELEMENTS.length)];
            return switch (random.nextInt(6)) {
                case 0 -> set.remove(element);
                case 1 -> set.clear();
                default -> set.add(replica, element);
            };
        });
    }

    interface Operation<T> {
        T apply(T state, ReplicaId replica, SplittableRandom random);
    }

    private static <T extends Crdt<T>> void runSeeds(java.util.function.Supplier<T> empty, StateCodec<T> codec,
                                                     Operation<T> operation) throws CodecException {
        for (long seed = 1; seed <= 300; seed++) {
            runOnce(seed, empty, codec, operation);
        }
    }

    private static <T extends Crdt<T>> void runOnce(long seed, java.util.function.Supplier<T> empty,
                                                    StateCodec<T> codec, Operation<T> operation) throws CodecException {
        SplittableRandom random = new SplittableRandom(seed);
        List<T> replicas = new ArrayList<>();
        for (int i = 0; i < REPLICAS.size(); i++) {
            replicas.add(empty.get());
        }
        List<Message<T>> inFlight = new ArrayList<>();
        for (int step = 0; step < 60; step++) {
            int choice = random.nextInt(10);
            if (choice < 5 || inFlight.isEmpty()) {
                int at = random.nextInt(replicas.size());
                T before = replicas.get(at).copy();
                T delta = operation.apply(replicas.get(at), REPLICAS.get(at), random);
                // Applying the delta to the state before the operation gives the state after it.
                assertThat(before.copy().merge(delta)).as("delta law, seed %d step %d", seed, step).isEqualTo(replicas.get(at));
                for (int target = 0; target < replicas.size(); target++) {
                    if (target != at) {
                        inFlight.add(new Message<>(target, delta.copy()));
                    }
                }
            } else if (choice < 9) {
                Message<T> message = inFlight.get(random.nextInt(inFlight.size()));
                if (random.nextInt(4) != 0) {
                    inFlight.remove(message);
                }
                replicas.get(message.target()).merge(message.delta());
            } else {
                int from = random.nextInt(replicas.size());
                int to = random.nextInt(replicas.size());
                T a = replicas.get(from).copy();
                T b = replicas.get(to).copy();
                assertThat(a.copy().merge(b)).as("commutativity, seed %d", seed).isEqualTo(b.copy().merge(a));
                assertThat(a.copy().merge(a)).as("idempotence, seed %d", seed).isEqualTo(a);
                replicas.get(to).merge(replicas.get(from));
                assertThat(replicas.get(from)).as("merge leaves its argument alone, seed %d", seed).isEqualTo(a);
            }
        }
        for (Message<T> message : inFlight) {
            replicas.get(message.target()).merge(message.delta());
        }
        byte[] expected = Codecs.encode(codec, replicas.get(0));
        for (T replica : replicas) {
            assertThat(replica).as("convergence, seed %d", seed).isEqualTo(replicas.get(0));
            assertThat(Codecs.encode(codec, replica)).as("identical bytes, seed %d", seed).isEqualTo(expected);
        }
        T decoded = Codecs.decode(codec, expected);
        assertThat(decoded).as("round trip, seed %d", seed).isEqualTo(replicas.get(0));
    }
}
