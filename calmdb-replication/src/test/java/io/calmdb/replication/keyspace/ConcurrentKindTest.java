package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A write to a key that exists must survive a concurrent write elsewhere that empties the key: add-wins holds for
 * the key's existence, not only for its members.
 */
class ConcurrentKindTest {
    private static final Bytes KEY = Bytes.ofUtf8("k");

    private static Bytes b(String text) {
        return Bytes.ofUtf8(text);
    }

    @Test
    void anAdd_concurrentWithTheRemovalOfTheLastMember_staysVisible() throws KeyspaceException {
        Keyspace virginia = new Keyspace(ReplicaId.of("virginia"));
        Keyspace tokyo = new Keyspace(ReplicaId.of("tokyo"));
        tokyo.apply(virginia.setAdd(KEY, List.of(b("m")), 1_000).delta());
        OrMap<Bytes, KeyValue> removal = virginia.setRemove(KEY, List.of(b("m"))).delta();
        OrMap<Bytes, KeyValue> add = tokyo.setAdd(KEY, List.of(b("x")), 1_001).delta();
        virginia.apply(add);
        tokyo.apply(removal);
        assertThat(virginia.setMembers(KEY)).containsExactly(b("x"));
        assertThat(tokyo.setMembers(KEY)).containsExactly(b("x"));
    }

    @Test
    void aFieldSet_concurrentWithTheDeletionOfTheLastField_staysVisible() throws KeyspaceException {
        Keyspace virginia = new Keyspace(ReplicaId.of("virginia"));
        Keyspace tokyo = new Keyspace(ReplicaId.of("tokyo"));
        tokyo.apply(virginia.hashSet(KEY, Map.of(b("f"), b("1")), 1_000).delta());
        OrMap<Bytes, KeyValue> removal = virginia.hashDelete(KEY, List.of(b("f"))).delta();
        OrMap<Bytes, KeyValue> set = tokyo.hashSet(KEY, Map.of(b("g"), b("2")), 1_001).delta();
        virginia.apply(set);
        tokyo.apply(removal);
        assertThat(virginia.hashGet(KEY, b("g"))).contains(b("2"));
        assertThat(tokyo.hashGet(KEY, b("g"))).contains(b("2"));
    }

    @Test
    void anIncrement_concurrentWithADelete_staysVisible() throws KeyspaceException {
        Keyspace virginia = new Keyspace(ReplicaId.of("virginia"));
        Keyspace tokyo = new Keyspace(ReplicaId.of("tokyo"));
        tokyo.apply(virginia.incrementBy(KEY, 1, 1_000).delta());
        OrMap<Bytes, KeyValue> deletion = virginia.delete(List.of(KEY)).delta();
        OrMap<Bytes, KeyValue> increment = tokyo.incrementBy(KEY, 5, 1_001).delta();
        virginia.apply(increment);
        tokyo.apply(deletion);
        // An observed-remove: the concurrent increment the deleter had not seen survives.
        assertThat(virginia.get(KEY)).isPresent();
        assertThat(tokyo.get(KEY)).isEqualTo(virginia.get(KEY));
    }
}
