package io.calmdb.replication.claim;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Who may decide a claim: the region that owns the name's hash slot under the current epoch. A slot is Redis
 * Cluster's: CRC16/XMODEM of the name (of its hash tag, the part between the first {@code {}} and the next
 * {@code }}, when that part is not empty) modulo {@value #SLOTS}, so a key and its lock land where Redis Cluster
 * would put them, and {@code {tag}a}, {@code {tag}b} share one authority.
 *
 * <p>The first map ({@link #initial}) is epoch 1 with the slots split into contiguous, nearly equal ranges over the
 * regions in name order, so every region computes the same map from the same membership without talking. Moving
 * slots (a later epoch) is not built yet: see docs/coordination.md.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClaimAuthority {
    /** Hash slots, as in Redis Cluster. */
    public static final int SLOTS = 16_384;

    private final long epoch;
    private final List<ReplicaId> regions;
    /** Per slot, the index of its region in {@link #regions}. */
    private final short[] regionOfSlot;

    private ClaimAuthority(long epoch, List<ReplicaId> regions, short[] regionOfSlot) {
        this.epoch = epoch;
        this.regions = List.copyOf(regions);
        this.regionOfSlot = regionOfSlot;
    }

    /**
     * Epoch 1 over {@code regions}: sorted by name, region {@code i} of {@code n} owns slots
     * {@code [i * SLOTS / n, (i + 1) * SLOTS / n)}.
     *
     * @throws IllegalArgumentException when {@code regions} is empty or holds more regions than slots
     */
    public static ClaimAuthority initial(Collection<ReplicaId> regions) {
        Objects.requireNonNull(regions, "regions");
        List<ReplicaId> sorted = new ArrayList<>(new TreeSet<>(regions));
        if (sorted.isEmpty() || sorted.size() > Short.MAX_VALUE) {
            throw new IllegalArgumentException("regions must hold 1 to " + Short.MAX_VALUE + " regions, got "
                    + sorted.size());
        }
        short[] regionOfSlot = new short[SLOTS];
        int n = sorted.size();
        for (int i = 0; i < n; i++) {
            int from = (int) ((long) i * SLOTS / n);
            int to = (int) ((long) (i + 1) * SLOTS / n);
            java.util.Arrays.fill(regionOfSlot, from, to, (short) i);
        }
        return new ClaimAuthority(1, sorted, regionOfSlot);
    }

    /** The epoch of this slot map. */
    public long epoch() {
        return epoch;
    }

    /** The regions, sorted by name. */
    public List<ReplicaId> regions() {
        return regions;
    }

    /** The region that decides claims on {@code name}. */
    public ReplicaId authority(Bytes name) {
        return regions.get(regionOfSlot[slot(name)]);
    }

    /** The region that owns {@code slot}. */
    public ReplicaId authorityOfSlot(int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("slot must be in [0, " + SLOTS + "), got " + slot);
        }
        return regions.get(regionOfSlot[slot]);
    }

    /** Redis Cluster's hash slot of {@code name}, hash tags included. */
    public static int slot(Bytes name) {
        byte[] bytes = name.toByteArray();
        int open = indexOf(bytes, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(bytes, (byte) '}', open + 1);
            if (close > open + 1) {
                return crc16(bytes, open + 1, close) & (SLOTS - 1);
            }
        }
        return crc16(bytes, 0, bytes.length) & (SLOTS - 1);
    }

    /** CRC16/XMODEM (polynomial 0x1021, initial value 0, no reflection), the checksum Redis Cluster uses. */
    public static int crc16(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc ^= (bytes[i] & 0xff) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            crc &= 0xffff;
        }
        return crc;
    }

    private static int indexOf(byte[] bytes, byte wanted, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "ClaimAuthority[epoch " + epoch + " over " + regions + "]";
    }
}
