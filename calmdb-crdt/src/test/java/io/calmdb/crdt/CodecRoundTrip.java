package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Codec checks shared by the type tests: a state survives a round trip, re-encodes to the same bytes, and
 * every truncation or random corruption of its bytes fails with {@link CodecException} or decodes to a state
 * that itself round-trips, never with any other exception.
 */
final class CodecRoundTrip {
    private CodecRoundTrip() {}

    /** Encodes, decodes and re-encodes {@code state}; returns the decoded copy. */
    static <T> T assertRoundTrip(StateCodec<T> codec, T state) throws CodecException {
        byte[] encoded = Codecs.encode(codec, state);
        T decoded = Codecs.decode(codec, encoded);
        assertThat(decoded).isEqualTo(state);
        assertThat(decoded.hashCode()).isEqualTo(state.hashCode());
        assertThat(Codecs.encode(codec, decoded)).isEqualTo(encoded);
        return decoded;
    }

    /** Every strict prefix of the encoding is rejected with a {@link CodecException}. */
    static <T> void assertTruncationsRejected(StateCodec<T> codec, T state) {
        byte[] encoded = Codecs.encode(codec, state);
        for (int length = 0; length < encoded.length; length++) {
            byte[] prefix = Arrays.copyOf(encoded, length);
            assertThatThrownBy(() -> Codecs.decode(codec, prefix))
                    .as("prefix of %d of %d bytes", prefix.length, encoded.length)
                    .isInstanceOf(CodecException.class);
        }
    }

    /**
     * Flips random bytes of the encoding, {@code cases} times: each result either decodes to a state that
     * round-trips exactly, or fails with {@link CodecException}.
     */
    static <T> void assertCorruptionsFailCleanly(StateCodec<T> codec, T state, long seed, int cases) {
        byte[] encoded = Codecs.encode(codec, state);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < cases; i++) {
            byte[] corrupt = encoded.clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                corrupt[random.nextInt(corrupt.length)] = (byte) random.nextInt(256);
            }
            try {
                T decoded = Codecs.decode(codec, corrupt);
                assertThat(Codecs.encode(codec, decoded)).as("seed %d case %d", seed, i).isEqualTo(corrupt);
            } catch (CodecException expected) {
                // The only permitted failure.
            } catch (RuntimeException e) {
                fail("seed " + seed + " case " + i + ": decoding " + Arrays.toString(corrupt) + " threw " + e, e);
            }
        }
    }
}
