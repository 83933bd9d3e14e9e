package io.calmdb.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The receiving half of fragmentation on its own: joining, and refusing every framing violation by name. */
class MessageAssemblerTest {
    private static byte[] start(int announcedBytes, byte[] part) {
        return ByteBuffer.allocate(WireProtocol.MESSAGE_LENGTH_FIELD_BYTES + part.length).putInt(announcedBytes)
                .put(part).array();
    }

    @Test
    void fragmentsOfAnyShape_joinIntoTheOriginalMessage() {
        Random random = new Random(42);
        byte[] message = new byte[100_000];
        random.nextBytes(message);
        MessageAssembler assembler = new MessageAssembler(message.length);
        assembler.start(start(message.length, Arrays.copyOfRange(message, 0, 10)));
        int offset = 10;
        byte[] joined = null;
        while (joined == null) {
            // Parts of irregular sizes, down to one byte, exercise the buffer's growth.
            int partBytes = Math.min(message.length - offset, 1 + random.nextInt(9_000));
            joined = assembler.continuation(Arrays.copyOfRange(message, offset, offset + partBytes));
            offset += partBytes;
            assertThat(assembler.inProgress()).isEqualTo(joined == null);
        }
        assertThat(joined).isEqualTo(message);
        assertThat(assembler.partialMessageBytes()).isZero();
    }

    @Test
    void anAnnouncementAboveTheBound_isRefusedBeforeAnythingIsBuffered() {
        MessageAssembler assembler = new MessageAssembler(1024 * 1024);
        // 0xFFFFFFFF: a hostile peer announcing four gibibytes.
        assertThatThrownBy(() -> assembler.start(start(-1, new byte[16])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4294967295 bytes").hasMessageContaining("messageBytesMax 1048576");
        assertThat(assembler.inProgress()).isFalse();
        assertThatThrownBy(() -> assembler.start(start(1024 * 1024 + 1, new byte[16])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("messageBytesMax");
    }

    @Test
    void framingViolations_areRefusedWithTheirReason() {
        MessageAssembler assembler = new MessageAssembler(1000);
        assertThatThrownBy(() -> assembler.continuation(new byte[5]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no fragmented message started");
        assertThatThrownBy(() -> assembler.start(new byte[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too short");
        assertThatThrownBy(() -> assembler.start(start(4, new byte[4])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data frame");

        assembler.start(start(100, new byte[40]));
        assertThatThrownBy(() -> assembler.start(start(100, new byte[40])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("40 of 100 bytes");
        assertThatThrownBy(() -> assembler.continuation(new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> assembler.continuation(new byte[61]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("60 remained");
        assertThat(assembler.continuation(new byte[60])).hasSize(100);
    }
}
