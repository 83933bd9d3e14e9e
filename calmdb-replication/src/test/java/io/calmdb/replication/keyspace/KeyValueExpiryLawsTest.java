package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.HlcTimestamp;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.laws.CrdtModel;
import io.calmdb.crdt.laws.Event;
import io.calmdb.crdt.laws.LawChecker;
import io.calmdb.crdt.laws.Oracles;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The law kit on a keyspace key with expiry: the lattice laws, codec round trips and convergence hold for
 * {@link KeyValue} under SET (with a deadline, with KEEPTTL, or clearing), EXPIRE, PERSIST, DEL and SADD, and the
 * resolved deadline equals the oracle's: the deadlines no later write or clear observed, PERSIST beating them, else
 * the latest.
 */
class KeyValueExpiryLawsTest {
    private static final Bytes KEY = Bytes.ofUtf8("k");

    sealed interface KeyOperation {}

    /** {@code SET} with {@code deadline} (null for none) or {@code KEEPTTL}. */
    record SetString(String value, HlcTimestamp timestamp, Long deadline, boolean keepTtl) implements KeyOperation {}

    record Expire(long deadline, HlcTimestamp timestamp) implements KeyOperation {}

    record Persist(HlcTimestamp timestamp) implements KeyOperation {}

    record Delete() implements KeyOperation {}

    record AddMember(String member) implements KeyOperation {}

    static final class Model implements CrdtModel<OrMap<Bytes, KeyValue>, KeyOperation> {
        @Override
        public String name() {
            return "KeyValue with expiry";
        }

        @Override
        public OrMap<Bytes, KeyValue> empty() {
            return new OrMap<>(KeyValue.type());
        }

        @Override
        public KeyOperation randomOperation(RandomGenerator random, ReplicaId replica, OrMap<Bytes, KeyValue> state) {
            HlcTimestamp timestamp = new HlcTimestamp(random.nextInt(50), random.nextInt(3));
            return switch (random.nextInt(6)) {
                case 0 -> new SetString("v" + random.nextInt(4), timestamp,
                        random.nextBoolean() ? null : (long) random.nextInt(100), random.nextInt(3) == 0);
                case 1, 2 -> new Expire(random.nextInt(100), timestamp);
                case 3 -> new Persist(timestamp);
                case 4 -> random.nextInt(3) == 0 ? new Delete() : new AddMember("m" + random.nextInt(3));
                default -> new AddMember("m" + random.nextInt(3));
            };
        }

        @Override
        public OrMap<Bytes, KeyValue> apply(OrMap<Bytes, KeyValue> state, ReplicaId replica, KeyOperation operation) {
            if (operation instanceof Delete) {
                return state.remove(KEY);
            }
            return state.update(KEY, current -> {
                KeyValue.DeltaBuilder builder = new KeyValue.DeltaBuilder();
                switch (operation) {
                    case SetString set -> {
                        if (set.keepTtl() && set.deadline() == null) {
                            current.clearDataInto(builder);
                        } else {
                            current.clearInto(builder);
                        }
                        builder.kind(current.kindSlot().write(replica, Kind.STRING.code(), set.timestamp()));
                        builder.string(current.string().set(replica, Bytes.ofUtf8(set.value()), set.timestamp()));
                        if (set.deadline() != null) {
                            builder.expiry(current.expirySlot().write(replica, set.deadline(), set.timestamp()));
                        }
                    }
                    case Expire expire -> builder.expiry(current.expirySlot().write(replica, expire.deadline(),
                            expire.timestamp()));
                    case Persist persist -> builder.expiry(current.expirySlot().write(replica, KeyValue.NO_DEADLINE,
                            persist.timestamp()));
                    case AddMember add -> builder.set(current.set().add(replica, Bytes.ofUtf8(add.member())));
                    case Delete delete -> throw new IllegalStateException("handled above");
                }
                return builder.build();
            });
        }

        /** The resolved deadline; empty when the key does not expire. */
        @Override
        public Object value(OrMap<Bytes, KeyValue> state) {
            KeyValue value = state.get(KEY);
            return Optional.ofNullable(value == null ? null : value.deadline());
        }

        @Override
        public byte[] encode(OrMap<Bytes, KeyValue> state) {
            return Codecs.encode(Keyspace.CODEC, state);
        }

        @Override
        public OrMap<Bytes, KeyValue> decode(byte[] bytes) throws Exception {
            return Codecs.decode(Keyspace.CODEC, bytes);
        }

        @Override
        public Object oracleValue(List<Event<KeyOperation>> history) {
            Set<Long> surviving = Oracles.multiValue(history, operation -> switch (operation) {
                case SetString set -> set.deadline();
                case Expire expire -> expire.deadline();
                case Persist persist -> KeyValue.NO_DEADLINE;
                default -> null;
            }, operation -> operation instanceof Delete
                    || (operation instanceof SetString set && set.deadline() == null && !set.keepTtl()));
            if (surviving.isEmpty() || surviving.contains(KeyValue.NO_DEADLINE)) {
                return Optional.empty();
            }
            return Optional.of(surviving.stream().mapToLong(Long::longValue).max().getAsLong());
        }
    }

    @Test
    void keyValueWithExpiry_obeysEveryLaw_andResolvesDeadlinesAsTheOracle() {
        LawChecker.Summary summary = LawChecker.check(new Model());

        assertThat(summary.cases()).isEqualTo(1_000);
        assertThat(summary.operationsAccepted()).isGreaterThan(5_000);
    }
}
