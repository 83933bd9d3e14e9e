package io.calmdb.server.transport;

import java.util.Arrays;

/**
 * Joins the fragment frames of one inbound link back into messages. It holds at most one partial message, and
 * never more than {@code messageBytesMax} bytes of it: the start frame announces the message's length, which is
 * checked before anything is buffered, and every continuation is checked against what remains.
 *
 * <p>The buffer grows with the bytes that actually arrived (doubling, capped at the announced length) rather
 * than being allocated at the announced length, so a peer that announces a large message and then sends little
 * or nothing costs this node only what it sent. One array per message (not one per fragment) keeps a peer that
 * sends tiny continuations from costing an object header per byte.
 *
 * <p>Every method throws {@link IllegalArgumentException} naming the violation when the peer breaks the framing;
 * the caller then closes the link, which drops the partial message with this object. Confined to the link's
 * event loop, like the handler that owns it.
 */
final class MessageAssembler {
    private final int messageBytesMax;
    private byte[] buffer;
    private int messageBytes;
    private int filledBytes;

    MessageAssembler(int messageBytesMax) {
        if (messageBytesMax < 1) {
            throw new IllegalArgumentException("messageBytesMax must be positive, got " + messageBytesMax);
        }
        this.messageBytesMax = messageBytesMax;
    }

    /** Whether a fragmented message has started and not yet completed. */
    boolean inProgress() {
        return buffer != null;
    }

    /** The announced length of the partial message, or 0 if none is in progress. */
    int partialMessageBytes() {
        return buffer == null ? 0 : messageBytes;
    }

    /** Bytes of the partial message received so far, or 0 if none is in progress. */
    int partialFilledBytes() {
        return buffer == null ? 0 : filledBytes;
    }

    /**
     * Takes a {@link WireProtocol#TYPE_FRAGMENT_START} payload: the announced length, then the first part.
     *
     * @throws IllegalArgumentException if another message is still partial, the payload is truncated, the
     *                                  announced length exceeds {@code messageBytesMax}, or the first part is
     *                                  already the whole message (which belongs in a single data frame)
     */
    void start(byte[] payload) {
        if (buffer != null) {
            throw new IllegalArgumentException("a fragmented message started while the previous one had "
                    + filledBytes + " of " + messageBytes + " bytes");
        }
        if (payload.length < WireProtocol.MESSAGE_LENGTH_FIELD_BYTES) {
            throw new IllegalArgumentException("fragment start of " + payload.length
                    + " bytes is too short for its message length field");
        }
        long announced = ((payload[0] & 0xFFL) << 24) | ((payload[1] & 0xFFL) << 16) | ((payload[2] & 0xFFL) << 8)
                | (payload[3] & 0xFFL);
        if (announced > messageBytesMax) {
            throw new IllegalArgumentException("fragment start announces a message of " + announced
                    + " bytes, above messageBytesMax " + messageBytesMax);
        }
        int partBytes = payload.length - WireProtocol.MESSAGE_LENGTH_FIELD_BYTES;
        if (announced <= partBytes) {
            throw new IllegalArgumentException("fragment start announces a message of " + announced
                    + " bytes but already carries " + partBytes + "; a message that fits one frame is a data frame");
        }
        messageBytes = (int) announced;
        buffer = new byte[partBytes];
        System.arraycopy(payload, WireProtocol.MESSAGE_LENGTH_FIELD_BYTES, buffer, 0, partBytes);
        filledBytes = partBytes;
    }

    /**
     * Takes a {@link WireProtocol#TYPE_FRAGMENT_CONTINUATION} payload.
     *
     * @return the whole message if this part completed it, else {@code null}
     * @throws IllegalArgumentException if no message is partial, the part is empty, or it runs past the
     *                                  announced length
     */
    byte[] continuation(byte[] part) {
        if (buffer == null) {
            throw new IllegalArgumentException("a continuation fragment of " + part.length
                    + " bytes arrived with no fragmented message started");
        }
        if (part.length == 0) {
            throw new IllegalArgumentException("an empty continuation fragment");
        }
        int remaining = messageBytes - filledBytes;
        if (part.length > remaining) {
            throw new IllegalArgumentException("a continuation fragment of " + part.length
                    + " bytes runs past the announced message of " + messageBytes + " bytes (" + remaining
                    + " remained)");
        }
        if (filledBytes + part.length > buffer.length) {
            int grown = (int) Math.min(messageBytes, Math.max((long) filledBytes + part.length, 2L * buffer.length));
            buffer = Arrays.copyOf(buffer, grown);
        }
        System.arraycopy(part, 0, buffer, filledBytes, part.length);
        filledBytes += part.length;
        if (filledBytes < messageBytes) {
            return null;
        }
        byte[] message = buffer;
        if (message.length != messageBytes) {
            throw new IllegalStateException("assembled " + message.length + " bytes for a message of "
                    + messageBytes + " bytes");
        }
        buffer = null;
        messageBytes = 0;
        filledBytes = 0;
        return message;
    }
}
