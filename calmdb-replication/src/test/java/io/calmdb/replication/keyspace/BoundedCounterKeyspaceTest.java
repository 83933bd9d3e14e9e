package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.InsufficientRightsException;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code BC.*} in the keyspace: value = MIN + rights, decrements only within local rights, transfers replicate. */
class BoundedCounterKeyspaceTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final Bytes STOCK = Bytes.ofUtf8("stock");

    private static OrMap<Bytes, KeyValue> wire(OrMap<Bytes, KeyValue> delta) throws Exception {
        return Codecs.decode(Keyspace.CODEC, Codecs.encode(Keyspace.CODEC, delta));
    }

    @Test
    void init_givesEveryRightAboveTheFloorToTheInitialisingRegion() throws KeyspaceException {
        Keyspace a = new Keyspace(A);
        assertThat(a.boundedInit(STOCK, 10, 2, 1).reply()).isEqualTo(10);
        assertThat(a.boundedGet(STOCK)).isEqualTo(10);
        assertThat(a.boundedFloor(STOCK)).isEqualTo(2);
        assertThat(a.boundedRights(STOCK)).isEqualTo(Map.of(A, 8L));
        assertThat(a.type(STOCK)).isEqualTo(Kind.BOUNDED_COUNTER);
        assertThatThrownBy(() -> a.boundedInit(STOCK, 10, 0, 1)).hasMessageContaining("already exists");
        assertThatThrownBy(() -> a.boundedInit(Bytes.ofUtf8("other"), 1, 2, 1)).hasMessageContaining("below MIN 2");
    }

    @Test
    void aDecrement_beyondLocalRights_isRefused_andTheValueNeverGoesBelowTheFloor() throws Exception {
        Keyspace a = new Keyspace(A);
        a.boundedInit(STOCK, 5, 0, 1);
        assertThat(a.boundedDecrement(STOCK, 3, 1).reply()).isEqualTo(2);
        assertThatThrownBy(() -> a.boundedDecrement(STOCK, 3, 1)).isInstanceOf(InsufficientRightsException.class);
        assertThat(a.boundedGet(STOCK)).isEqualTo(2);
        assertThatThrownBy(() -> a.boundedDecrement(STOCK, 0, 1)).isInstanceOf(KeyspaceException.class);
        assertThatThrownBy(() -> a.boundedIncrement(STOCK, -1, 1)).isInstanceOf(KeyspaceException.class);
        assertThatThrownBy(() -> a.boundedDecrement(Bytes.ofUtf8("none"), 1, 1)).hasMessageContaining("BC.INIT");
    }

    @Test
    void aTransfer_movesRightsOnce_howeverOftenItIsDelivered() throws Exception {
        Keyspace a = new Keyspace(A);
        Keyspace b = new Keyspace(B);
        b.apply(wire(a.boundedInit(STOCK, 10, 0, 1).delta()));
        assertThat(b.boundedLocalRights(STOCK)).isZero();
        Keyspace.Write<Long> transfer = a.boundedTransfer(STOCK, B, 4, 1);
        assertThat(transfer.reply()).isEqualTo(4);
        OrMap<Bytes, KeyValue> delta = wire(transfer.delta());
        b.apply(delta);
        b.apply(wire(transfer.delta()));
        assertThat(b.boundedLocalRights(STOCK)).isEqualTo(4);
        assertThat(b.boundedDecrement(STOCK, 4, 1).reply()).isEqualTo(6);
        assertThatThrownBy(() -> b.boundedDecrement(STOCK, 1, 1)).isInstanceOf(InsufficientRightsException.class);
        assertThat(a.boundedTransfer(STOCK, B, 100, 1).reply()).isEqualTo(6);
        assertThat(a.boundedTransfer(STOCK, B, 1, 1).delta()).isNull();
        assertThat(b.boundedTransferred(STOCK, A, B)).isEqualTo(4);
    }

    @Test
    void concurrentDecrementsInTwoRegions_neverTakeTheValueBelowTheFloor() throws Exception {
        Keyspace a = new Keyspace(A);
        Keyspace b = new Keyspace(B);
        b.apply(wire(a.boundedInit(STOCK, 7, 3, 1).delta()));
        b.apply(wire(a.boundedTransfer(STOCK, B, 2, 1).delta()));
        OrMap<Bytes, KeyValue> fromA = wire(a.boundedDecrement(STOCK, 2, 1).delta());
        OrMap<Bytes, KeyValue> fromB = wire(b.boundedDecrement(STOCK, 2, 1).delta());
        a.apply(fromB);
        b.apply(fromA);
        assertThat(a.boundedGet(STOCK)).isEqualTo(3).isEqualTo(b.boundedGet(STOCK));
        assertThatThrownBy(() -> a.boundedDecrement(STOCK, 1, 1)).isInstanceOf(InsufficientRightsException.class);
        assertThatThrownBy(() -> b.boundedDecrement(STOCK, 1, 1)).isInstanceOf(InsufficientRightsException.class);
    }

    @Test
    void deletingABoundedCounter_leavesItsRights() throws Exception {
        Keyspace a = new Keyspace(A);
        Keyspace b = new Keyspace(B);
        b.apply(wire(a.boundedInit(STOCK, 5, 0, 1).delta()));
        OrMap<Bytes, KeyValue> removal = wire(a.delete(List.of(STOCK)).delta());
        b.apply(removal);
        assertThat(a.boundedGet(STOCK)).isEqualTo(5);
        assertThat(b.boundedGet(STOCK)).isEqualTo(5);
        assertThat(a.boundedIncrement(STOCK, 1, 1).reply()).isEqualTo(6);
    }

    @Test
    void aBoundedCounterOnAStringKey_isTheWrongType() {
        Keyspace a = new Keyspace(A);
        a.set(STOCK, Bytes.ofUtf8("x"), 1);
        assertThatThrownBy(() -> a.boundedGet(STOCK)).hasMessageStartingWith("WRONGTYPE");
        assertThatThrownBy(() -> a.boundedInit(STOCK, 1, 0, 1)).hasMessageStartingWith("WRONGTYPE");
    }

    @Test
    void aKeyWithoutCoordinationState_encodesAsBefore_andOneWithIt_roundTrips() throws Exception {
        Keyspace a = new Keyspace(A);
        a.set(Bytes.ofUtf8("plain"), Bytes.ofUtf8("v"), 1);
        byte[] plain = Codecs.encode(Keyspace.CODEC, a.state());
        a.boundedInit(STOCK, 9, -4, 1);
        a.idNext(Bytes.ofUtf8("ids"), 1, IdLayout.EPOCH_MILLIS + 10);
        byte[] both = Codecs.encode(Keyspace.CODEC, a.state());
        OrMap<Bytes, KeyValue> decoded = Codecs.decode(Keyspace.CODEC, both);
        assertThat(Codecs.encode(Keyspace.CODEC, decoded)).isEqualTo(both);
        Keyspace copy = new Keyspace(B);
        copy.apply(decoded);
        assertThat(copy.boundedGet(STOCK)).isEqualTo(9);
        assertThat(copy.boundedFloor(STOCK)).isEqualTo(-4);
        Keyspace plainOnly = new Keyspace(B);
        plainOnly.apply(Codecs.decode(Keyspace.CODEC, plain));
        assertThat(plainOnly.get(Bytes.ofUtf8("plain"))).contains(Bytes.ofUtf8("v"));
    }
}
