package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Three replicas run random commands of every type on a few keys; their deltas travel late, out of order and
 * twice, with occasional full-state merges. At the end every replica must hold the same state, encode it to the
 * same bytes and answer every read the same way. Each run is seeded; a failure names its seed.
 */
class KeyspaceConvergenceTest {
    private static final int SEEDS = 300;
    private static final String[] KEYS = {"k0", "k1", "k2"};
    private static final String[] MEMBERS = {"m0", "m1", "m2"};

    private record Message(int target, OrMap<Bytes, KeyValue> delta) {}

    @Test
    void randomCommands_converge() throws CodecException {
        for (long seed = 1; seed <= SEEDS; seed++) {
            runOnce(seed, false);
        }
    }

    /** The same with key expiry mixed in: EXPIRE with conditions, PERSIST, SET with a deadline or KEEPTTL, sweeps. */
    @Test
    void randomCommandsWithExpiry_converge() throws CodecException {
        for (long seed = 1; seed <= SEEDS; seed++) {
            runOnce(seed, true);
        }
    }

    private static void runOnce(long seed, boolean withExpiry) throws CodecException {
        SplittableRandom random = new SplittableRandom(seed);
        List<Keyspace> replicas = List.of(new Keyspace(ReplicaId.of("r0")), new Keyspace(ReplicaId.of("r1")),
                new Keyspace(ReplicaId.of("r2")));
        List<Message> inFlight = new ArrayList<>();
        long now = 1_000;
        for (int step = 0; step < 80; step++) {
            now += random.nextInt(3);
            int choice = random.nextInt(10);
            if (choice < 6 || inFlight.isEmpty()) {
                int at = random.nextInt(replicas.size());
                Keyspace keyspace = replicas.get(at);
                OrMap<Bytes, KeyValue> before = keyspace.state().copy();
                keyspace.setTaskTime(now);
                OrMap<Bytes, KeyValue> delta = withExpiry && random.nextInt(3) == 0
                        ? randomExpiryCommand(keyspace, random, now) : randomCommand(keyspace, random, now);
                if (delta != null) {
                    assertThat(before.merge(delta)).as("delta law, seed %d step %d", seed, step).isEqualTo(keyspace.state());
                    for (int target = 0; target < replicas.size(); target++) {
                        if (target != at) {
                            inFlight.add(new Message(target, delta.copy()));
                        }
                    }
                }
            } else if (choice < 9) {
                Message message = inFlight.get(random.nextInt(inFlight.size()));
                if (random.nextInt(4) != 0) {
                    inFlight.remove(message);
                }
                replicas.get(message.target()).apply(message.delta());
            } else {
                Keyspace from = replicas.get(random.nextInt(replicas.size()));
                Keyspace to = replicas.get(random.nextInt(replicas.size()));
                to.apply(from.state().copy());
            }
        }
        for (Message message : inFlight) {
            replicas.get(message.target()).apply(message.delta());
        }
        byte[] expected = Codecs.encode(Keyspace.CODEC, replicas.get(0).state());
        for (Keyspace replica : replicas) {
            replica.setTaskTime(now);
        }
        for (Keyspace replica : replicas) {
            assertThat(replica.state()).as("convergence, seed %d", seed).isEqualTo(replicas.get(0).state());
            assertThat(Codecs.encode(Keyspace.CODEC, replica.state())).as("bytes, seed %d", seed).isEqualTo(expected);
            for (String key : KEYS) {
                assertThat(describe(replica, key)).as("reads of %s, seed %d", key, seed).isEqualTo(describe(replicas.get(0), key));
            }
        }
        assertThat(Codecs.decode(Keyspace.CODEC, expected)).as("round trip, seed %d", seed).isEqualTo(replicas.get(0).state());
    }

    private static String describe(Keyspace keyspace, String key) {
        Bytes k = Bytes.ofUtf8(key);
        Kind kind = keyspace.type(k);
        try {
            return kind == null ? "absent" : switch (kind) {
                case STRING -> "string " + keyspace.get(k);
                case SET -> "set " + new java.util.TreeSet<>(keyspace.setMembers(k));
                case HASH -> "hash " + new java.util.TreeMap<>(keyspace.hashGetAll(k));
                case BOUNDED_COUNTER -> "bounded counter " + keyspace.boundedGet(k);
                case ID_NAMESPACE -> "id namespace";
            } + " ttl " + keyspace.timeToLiveMillis(k);
        } catch (KeyspaceException e) {
            return "error " + e.getMessage();
        }
    }

    private static OrMap<Bytes, KeyValue> randomExpiryCommand(Keyspace keyspace, SplittableRandom random, long now) {
        Bytes key = Bytes.ofUtf8(KEYS[random.nextInt(KEYS.length)]);
        Keyspace.ExpiryCondition[] conditions = Keyspace.ExpiryCondition.values();
        try {
            return switch (random.nextInt(5)) {
                case 0, 1 -> keyspace.expire(key, now + random.nextInt(12) - 1,
                        conditions[random.nextInt(conditions.length)], now).delta();
                case 2 -> keyspace.persist(key, now).delta();
                case 3 -> keyspace.setString(key, Bytes.ofUtf8("e" + now), random.nextBoolean() ? null : now + random.nextInt(10),
                        random.nextBoolean(), false, false, now).delta();
                default -> keyspace.expireDue(now, 1 + random.nextInt(3)).delta();
            };
        } catch (KeyspaceException refused) {
            return null;
        }
    }

    private static OrMap<Bytes, KeyValue> randomCommand(Keyspace keyspace, SplittableRandom random, long now) {
        Bytes key = Bytes.ofUtf8(KEYS[random.nextInt(KEYS.length)]);
        Bytes member = Bytes.ofUtf8(MEMBERS[random.nextInt(MEMBERS.length)]);
        try {
            return switch (random.nextInt(9)) {
                case 0 -> keyspace.set(key, Bytes.ofUtf8(Integer.toString(random.nextInt(100))), now).delta();
                case 1 -> keyspace.incrementBy(key, random.nextInt(7) - 3, now).delta();
                case 2 -> keyspace.delete(List.of(key)).delta();
                case 3, 4 -> keyspace.setAdd(key, List.of(member), now).delta();
                case 5 -> keyspace.setRemove(key, List.of(member)).delta();
                case 6 -> keyspace.hashSet(key, Map.of(member, Bytes.ofUtf8("v" + now)), now).delta();
                case 7 -> keyspace.hashIncrementBy(key, member, 1 + random.nextInt(3), now).delta();
                default -> keyspace.hashDelete(key, List.of(member)).delta();
            };
        } catch (KeyspaceException refused) {
            return null;
        }
    }
}
