package io.calmdb.crdt.laws;

import io.calmdb.crdt.ByteReader;
import io.calmdb.crdt.ByteWriter;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Crdt;
import io.calmdb.crdt.ReplicaId;
import java.util.Map;
import java.util.TreeMap;

/**
 * A per-replica slot counter written for the kit's own tests, with switches that break it on purpose: a merge
 * that adds slots instead of taking their maximum (not idempotent), and a delta that carries the increment
 * instead of the slot's new value (merging it does not reproduce the mutation).
 */
final class SlotCounter implements Crdt<SlotCounter> {
    enum Merge { MAXIMUM, SUM }

    enum Delta { NEW_SLOT_VALUE, AMOUNT_ONLY }

    private final Merge merge;
    private final Delta delta;
    private final TreeMap<String, Long> slots = new TreeMap<>();

    SlotCounter(Merge merge, Delta delta) {
        this.merge = merge;
        this.delta = delta;
    }

    SlotCounter increment(ReplicaId replica, long amount) {
        long slot = slots.merge(replica.name(), amount, Long::sum);
        SlotCounter result = new SlotCounter(merge, delta);
        result.slots.put(replica.name(), delta == Delta.NEW_SLOT_VALUE ? slot : amount);
        return result;
    }

    long value() {
        return slots.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public SlotCounter merge(SlotCounter other) {
        for (Map.Entry<String, Long> slot : other.slots.entrySet()) {
            slots.merge(slot.getKey(), slot.getValue(), merge == Merge.MAXIMUM ? Math::max : Long::sum);
        }
        return this;
    }

    @Override
    public SlotCounter copy() {
        SlotCounter copy = new SlotCounter(merge, delta);
        copy.slots.putAll(slots);
        return copy;
    }

    byte[] encode() {
        ByteWriter out = new ByteWriter();
        out.writeVarInt(slots.size());
        slots.forEach((replica, slot) -> out.writeString(replica).writeVarLong(slot));
        return out.toByteArray();
    }

    static SlotCounter decode(byte[] bytes, Merge merge, Delta delta) throws CodecException {
        ByteReader in = new ByteReader(bytes);
        SlotCounter counter = new SlotCounter(merge, delta);
        int count = in.readCount(ReplicaId.NAME_LENGTH_MAX, 2, "slot");
        for (int i = 0; i < count; i++) {
            counter.slots.put(in.readString(ReplicaId.NAME_LENGTH_MAX, "replica"), in.readVarLong());
        }
        in.expectEnd();
        return counter;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SlotCounter counter && counter.slots.equals(slots);
    }

    @Override
    public int hashCode() {
        return slots.hashCode();
    }

    @Override
    public String toString() {
        return "SlotCounter" + slots;
    }
}
