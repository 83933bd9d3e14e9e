package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ByteReaderTest {

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static long roundTrip(long value) throws CodecException {
        byte[] encoded = new ByteWriter().writeVarLong(value).toByteArray();
        ByteReader in = new ByteReader(encoded);
        long decoded = in.readVarLong();
        in.expectEnd();
        return decoded;
    }

    @Test
    void varLong_roundTripsEdgeValues() throws CodecException {
        long[] values = {0, 1, 127, 128, 16_383, 16_384, Integer.MAX_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, -1};
        for (long value : values) {
            assertThat(roundTrip(value)).as("value %d", value).isEqualTo(value);
        }
    }

    @Test
    void varLong_usesOneByteBelow128AndTenBytesForNegatives() {
        assertThat(new ByteWriter().writeVarLong(127).length()).isEqualTo(1);
        assertThat(new ByteWriter().writeVarLong(128).length()).isEqualTo(2);
        assertThat(new ByteWriter().writeVarLong(-1).length()).isEqualTo(10);
    }

    @Test
    void varLong_roundTripsRandomValues() throws CodecException {
        long seed = 0x5EED_0001L;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 10_000; i++) {
            long value = random.nextLong() >>> random.nextInt(64);
            assertThat(roundTrip(value)).as("seed %d, case %d", seed, i).isEqualTo(value);
        }
    }

    @Test
    void signedVarLong_keepsSmallNegativesShortAndRoundTrips() throws CodecException {
        assertThat(new ByteWriter().writeSignedVarLong(-1).length()).isEqualTo(1);
        for (long value : new long[] {0, -1, 1, -64, 63, Long.MIN_VALUE, Long.MAX_VALUE}) {
            ByteReader in = new ByteReader(new ByteWriter().writeSignedVarLong(value).toByteArray());
            assertThat(in.readSignedVarLong()).isEqualTo(value);
        }
    }

    @Test
    void readVarLong_rejectsNonCanonicalTrailingZeroByte() {
        // 0x80 0x00 is a two-byte spelling of 0; only the one-byte form is canonical.
        assertThatThrownBy(() -> new ByteReader(bytes(0x80, 0x00)).readVarLong())
                .isInstanceOf(CodecException.class).hasMessageContaining("non-canonical");
        assertThatThrownBy(() -> new ByteReader(bytes(0x81, 0x80, 0x00)).readVarLong())
                .isInstanceOf(CodecException.class).hasMessageContaining("non-canonical");
    }

    @Test
    void readVarLong_rejectsOverflowInTheTenthByte() {
        assertThatThrownBy(() -> new ByteReader(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02)).readVarLong())
                .isInstanceOf(CodecException.class).hasMessageContaining("overflows");
    }

    @Test
    void readVarLong_rejectsVarintsLongerThanTenBytes() {
        assertThatThrownBy(() -> new ByteReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00)).readVarLong())
                .isInstanceOf(CodecException.class);
    }

    @Test
    void readVarLong_rejectsTruncatedInput() {
        assertThatThrownBy(() -> new ByteReader(bytes(0x80)).readVarLong())
                .isInstanceOf(CodecException.class).hasMessageContaining("end of input");
        assertThatThrownBy(() -> new ByteReader(new byte[0]).readByte()).isInstanceOf(CodecException.class);
    }

    @Test
    void readVarLong_withRange_rejectsValuesOutsideIt() {
        byte[] encoded = new ByteWriter().writeVarLong(0).toByteArray();
        assertThatThrownBy(() -> new ByteReader(encoded).readVarLong(1, 10, "slot"))
                .isInstanceOf(CodecException.class).hasMessageContaining("slot 0 is outside [1, 10]");
    }

    @Test
    void readCount_rejectsCountsAboveTheBound() {
        byte[] encoded = new ByteWriter().writeVarLong(11).toByteArray();
        assertThatThrownBy(() -> new ByteReader(encoded).readCount(10, 1, "item"))
                .isInstanceOf(CodecException.class).hasMessageContaining("exceeds the bound 10");
    }

    @Test
    void readCount_rejectsCountsTheRemainingBytesCannotHold() {
        byte[] encoded = new ByteWriter().writeVarLong(5).writeByte(1).writeByte(2).toByteArray();
        assertThatThrownBy(() -> new ByteReader(encoded).readCount(1_000, 1, "item"))
                .isInstanceOf(CodecException.class).hasMessageContaining("remaining");
        byte[] enough = new ByteWriter().writeVarLong(2).writeByte(1).writeByte(2).writeByte(3).writeByte(4).toByteArray();
        assertThatThrownBy(() -> new ByteReader(enough).readCount(1_000, 3, "item"))
                .isInstanceOf(CodecException.class).hasMessageContaining("remaining");
    }

    @Test
    void readCount_rejectsCountsAboveLongMaxValue() {
        // 2^64 - 1 reads as the long -1: an unsigned value far above any bound, not a small or negative count.
        byte[] hostile = new ByteWriter().writeVarLong(-1).writeRaw(new byte[64], 0, 64).toByteArray();
        assertThatThrownBy(() -> new ByteReader(hostile).readCount(CodecLimits.COLLECTION_SIZE_MAX, 1, "item"))
                .isInstanceOf(CodecException.class).hasMessageContaining("exceeds the bound");
        byte[] wrapsToSmall = new ByteWriter().writeVarLong(Long.MIN_VALUE + 2).writeRaw(new byte[64], 0, 64).toByteArray();
        assertThatThrownBy(() -> new ByteReader(wrapsToSmall).readCount(CodecLimits.COLLECTION_SIZE_MAX, 1, "item"))
                .isInstanceOf(CodecException.class).hasMessageContaining("exceeds the bound");
    }

    @Test
    void readBytes_rejectsLengthsAboveLongMaxValue() {
        byte[] hostile = new ByteWriter().writeVarLong(-1).writeRaw(new byte[16], 0, 16).toByteArray();
        assertThatThrownBy(() -> new ByteReader(hostile).readBytes(CodecLimits.VALUE_BYTES_MAX, "value"))
                .isInstanceOf(CodecException.class).hasMessageContaining("exceeds the bound");
    }

    @Test
    void readBytes_rejectsLengthsBeyondTheRemainingInput() {
        byte[] encoded = new ByteWriter().writeVarLong(1_000).writeByte(7).toByteArray();
        assertThatThrownBy(() -> new ByteReader(encoded).readBytes(CodecLimits.VALUE_BYTES_MAX, "value"))
                .isInstanceOf(CodecException.class).hasMessageContaining("remaining");
    }

    @Test
    void readString_rejectsMalformedUtf8() {
        byte[] encoded = new ByteWriter().writeBytes(bytes(0xC3, 0x28)).toByteArray();
        assertThatThrownBy(() -> new ByteReader(encoded).readString(100, "name"))
                .isInstanceOf(CodecException.class).hasMessageContaining("UTF-8");
    }

    @Test
    void readReplicaId_rejectsInvalidNamesAsCodecErrors() {
        byte[] empty = new ByteWriter().writeString("").toByteArray();
        byte[] space = new ByteWriter().writeString("a b").toByteArray();
        assertThatThrownBy(() -> new ByteReader(empty).readReplicaId()).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> new ByteReader(space).readReplicaId()).isInstanceOf(CodecException.class);
    }

    @Test
    void stringsAndReplicaIds_roundTrip() throws CodecException {
        byte[] encoded = new ByteWriter().writeString("grüße").writeReplicaId(ReplicaId.of("tokyo")).toByteArray();
        ByteReader in = new ByteReader(encoded);
        assertThat(in.readString(100, "text")).isEqualTo("grüße");
        assertThat(in.readReplicaId()).isEqualTo(ReplicaId.of("tokyo"));
        in.expectEnd();
    }

    @Test
    void expectEnd_rejectsTrailingBytes() {
        ByteReader in = new ByteReader(bytes(1, 2));
        assertThatThrownBy(in::expectEnd).isInstanceOf(CodecException.class).hasMessageContaining("2 trailing bytes");
    }

    @Test
    void writeVarInt_rejectsNegativeValues() {
        assertThatThrownBy(() -> new ByteWriter().writeVarInt(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
