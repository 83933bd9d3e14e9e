package io.calmdb.server.transport;

import io.calmdb.crdt.ReplicaId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The bytes on a peer link. Every frame is {@code u32 length | u8 type | payload}, big-endian, where
 * {@code length} counts the type byte plus the payload and must be 1 to the current frame bound. A connection
 * starts with the dialer's {@link #TYPE_HELLO}; the acceptor answers {@link #TYPE_HELLO_ACCEPT} or
 * {@link #TYPE_REJECT} and closes. After that the dialer sends messages and both sides send
 * {@link #TYPE_HEARTBEAT} frames when idle. The exact layout is documented in {@code docs/transport.md}.
 *
 * <p><b>Messages and frames.</b> A message that fits one frame travels as one {@link #TYPE_DATA} frame. A longer
 * one (up to {@link TransportConfig#messageBytesMax()}) travels as a {@link #TYPE_FRAGMENT_START} frame, which
 * announces the whole message's length so that the receiver can refuse an oversized message before any of it is
 * buffered, followed by {@link #TYPE_FRAGMENT_CONTINUATION} frames until the announced length is reached. The
 * frames of one message are consecutive on a link (only heartbeats may come between them), so they need no
 * message id: a link carries at most one partial message at a time. See {@link MessageAssembler}.
 */
final class WireProtocol {
    /** "CALM" in ASCII: the first payload bytes of every handshake, so a stray client is recognised at once. */
    static final int MAGIC = 0x43414C4D;
    /**
     * The only protocol version this build speaks; a peer with another version is refused. Version 2 added the
     * fragment frames; a version 1 peer would close the link at the first of them, so the handshake keeps the two
     * apart instead. Version 3: keyspace deltas and transferred states carry each key's expiry register, which a
     * version 2 peer cannot decode. Version 4: new replication message types (pub/sub: 9; quorum reads: 14, 15;
     * transfer resume: 16; claims: 10, 11), which a version 3 peer would drop as malformed. Version 5: the hello
     * carries the dialer's nonce, and with a cluster secret the acceptor answers {@link #TYPE_CHALLENGE} and the
     * dialer {@link #TYPE_PROOF} before the acceptor's verdict (issue 11).
     */
    static final int PROTOCOL_VERSION = 5;
    /** Bytes of the length prefix. */
    static final int LENGTH_FIELD_BYTES = 4;
    /** Bound on a frame body before the handshake completed, in bytes; strangers cannot make us allocate more. */
    static final int HANDSHAKE_FRAME_BYTES_MAX = 1024;
    /** Bound on the UTF-8 reason text of a rejection, in bytes. */
    static final int REJECT_REASON_BYTES_MAX = 512;

    static final byte TYPE_HELLO = 1;
    static final byte TYPE_HELLO_ACCEPT = 2;
    static final byte TYPE_REJECT = 3;
    static final byte TYPE_DATA = 4;
    static final byte TYPE_HEARTBEAT = 5;
    /** The first frame of a message longer than one frame: {@code u32 messageBytes | first part}. */
    static final byte TYPE_FRAGMENT_START = 6;
    /** A later frame of that message: {@code next part}; the message ends when the announced length is reached. */
    static final byte TYPE_FRAGMENT_CONTINUATION = 7;
    /** Acceptor to dialer, with a cluster secret: {@code nonceA(16) | HMAC(secret, "calmdb-acceptor" | hello | nonceA)}. */
    static final byte TYPE_CHALLENGE = 8;
    /** Dialer to acceptor: {@code HMAC(secret, "calmdb-dialer" | hello | nonceA)}. */
    static final byte TYPE_PROOF = 9;
    /** Bytes of each side's random nonce. */
    static final int NONCE_BYTES = 16;
    /** Bytes of an HMAC-SHA256. */
    static final int MAC_BYTES = 32;
    /** Bytes of the announced message length at the start of a {@link #TYPE_FRAGMENT_START} payload. */
    static final int MESSAGE_LENGTH_FIELD_BYTES = 4;

    private WireProtocol() {
    }

    /** One decoded frame; {@code wireBytes} counts the length prefix too, for the byte counters. */
    record Frame(byte type, byte[] payload, int wireBytes) {
    }

    /**
     * The payload of a {@link #TYPE_HELLO} or {@link #TYPE_HELLO_ACCEPT}: who speaks, to whom, in which cluster.
     * Naming the recipient lets the acceptor catch a dialer whose configuration points at the wrong node.
     */
    record Hello(int magic, int version, String clusterName, ReplicaId sender, ReplicaId recipient, byte[] nonce) {
    }

    /** HMAC-SHA256 of {@code parts} under {@code secret}, labelled by {@code role} so a proof cannot be reflected. */
    static byte[] mac(byte[] secret, String role, byte[] hello, byte[] nonce) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
            mac.update(role.getBytes(StandardCharsets.US_ASCII));
            mac.update(hello);
            mac.update(nonce);
            return mac.doFinal();
        } catch (java.security.GeneralSecurityException impossible) {
            throw new IllegalStateException("every JDK has HmacSHA256", impossible);
        }
    }

    static ByteBuf encodeBytesFrame(ByteBufAllocator allocator, byte type, byte[]... parts) {
        int bodyBytes = 1;
        for (byte[] part : parts) {
            bodyBytes += part.length;
        }
        ByteBuf buffer = allocator.buffer(LENGTH_FIELD_BYTES + bodyBytes);
        buffer.writeInt(bodyBytes);
        buffer.writeByte(type);
        for (byte[] part : parts) {
            buffer.writeBytes(part);
        }
        return buffer;
    }

    /** Why an acceptor refused a handshake; the code travels as one byte so the dialer can act on it. */
    enum RejectReason {
        MALFORMED, UNSUPPORTED_VERSION, WRONG_CLUSTER, UNKNOWN_REPLICA, SELF_CONNECTION, WRONG_RECIPIENT,
        DUPLICATE_REPLICA, PARTITIONED, SHUTTING_DOWN
    }

    record Reject(RejectReason reason, String text) {
    }

    static ByteBuf encodeHello(ByteBufAllocator allocator, byte type, String clusterName, ReplicaId sender,
            ReplicaId recipient) {
        return encodeHello(allocator, type, clusterName, sender, recipient, new byte[NONCE_BYTES]);
    }

    static ByteBuf encodeHello(ByteBufAllocator allocator, byte type, String clusterName, ReplicaId sender,
            ReplicaId recipient, byte[] nonce) {
        byte[] cluster = clusterName.getBytes(StandardCharsets.US_ASCII);
        byte[] from = sender.name().getBytes(StandardCharsets.US_ASCII);
        byte[] to = recipient.name().getBytes(StandardCharsets.US_ASCII);
        int bodyBytes = 1 + 4 + 2 + 1 + cluster.length + 1 + from.length + 1 + to.length + NONCE_BYTES;
        ByteBuf buffer = allocator.buffer(LENGTH_FIELD_BYTES + bodyBytes);
        buffer.writeInt(bodyBytes);
        buffer.writeByte(type);
        buffer.writeInt(MAGIC);
        buffer.writeShort(PROTOCOL_VERSION);
        writeShortString(buffer, cluster);
        writeShortString(buffer, from);
        writeShortString(buffer, to);
        buffer.writeBytes(nonce, 0, NONCE_BYTES);
        return buffer;
    }

    /**
     * Decodes a hello payload strictly: every field present, names valid, no trailing bytes. The magic and
     * version are returned rather than checked so that the caller can name the mismatch in its log.
     *
     * @throws IllegalArgumentException describing the first malformed field
     */
    static Hello decodeHello(byte[] payload) {
        if (payload.length < 4 + 2 + 3) {
            throw new IllegalArgumentException("handshake of " + payload.length + " bytes is too short");
        }
        Reader reader = new Reader(payload);
        int magic = reader.int32();
        if (magic != MAGIC) {
            return new Hello(magic, 0, "", null, null, null);
        }
        int version = reader.uint16();
        if (version != PROTOCOL_VERSION) {
            return new Hello(magic, version, "", null, null, null);
        }
        String cluster = reader.shortString("cluster name");
        ReplicaId sender = replicaId(reader.shortString("sender replica id"), "sender replica id");
        ReplicaId recipient = replicaId(reader.shortString("recipient replica id"), "recipient replica id");
        if (reader.remaining() != NONCE_BYTES) {
            throw new IllegalArgumentException("handshake has " + reader.remaining() + " bytes after the names, not a "
                    + NONCE_BYTES + "-byte nonce");
        }
        byte[] nonce = java.util.Arrays.copyOfRange(payload, payload.length - NONCE_BYTES, payload.length);
        return new Hello(magic, version, cluster, sender, recipient, nonce);
    }

    static ByteBuf encodeReject(ByteBufAllocator allocator, RejectReason reason, String text) {
        byte[] textBytes = text.getBytes(StandardCharsets.UTF_8);
        int textLength = Math.min(textBytes.length, REJECT_REASON_BYTES_MAX);
        int bodyBytes = 1 + 1 + 2 + textLength;
        ByteBuf buffer = allocator.buffer(LENGTH_FIELD_BYTES + bodyBytes);
        buffer.writeInt(bodyBytes);
        buffer.writeByte(TYPE_REJECT);
        buffer.writeByte(reason.ordinal());
        buffer.writeShort(textLength);
        buffer.writeBytes(textBytes, 0, textLength);
        return buffer;
    }

    /** @throws IllegalArgumentException if the payload is not a well-formed rejection */
    static Reject decodeReject(byte[] payload) {
        Reader reader = new Reader(payload);
        int code = reader.uint8();
        RejectReason[] reasons = RejectReason.values();
        if (code >= reasons.length) {
            throw new IllegalArgumentException("unknown rejection code " + code);
        }
        int length = reader.uint16();
        if (length != reader.remaining()) {
            throw new IllegalArgumentException("rejection text length " + length + " does not match the frame");
        }
        // Malformed UTF-8 is replaced, not rejected: the text is only ever logged.
        String text = new String(payload, payload.length - length, length, StandardCharsets.UTF_8);
        return new Reject(reasons[code], text);
    }

    static ByteBuf encodeData(ByteBufAllocator allocator, byte[] message) {
        ByteBuf buffer = allocator.buffer(LENGTH_FIELD_BYTES + 1 + message.length);
        buffer.writeInt(1 + message.length);
        buffer.writeByte(TYPE_DATA);
        buffer.writeBytes(message);
        return buffer;
    }

    /**
     * How many bytes of a {@code messageBytes}-long message the frame written at {@code offset} carries, when
     * frame bodies are at most {@code frameBytesMax}: the whole message in one {@link #TYPE_DATA} frame if it
     * fits, otherwise as much as fits after the type byte (and, for the first frame, the announced length).
     */
    static int frameContentBytes(int messageBytes, int offset, int frameBytesMax) {
        if (offset < 0 || offset >= Math.max(1, messageBytes)) {
            throw new IllegalStateException("frame offset " + offset + " outside a message of " + messageBytes
                    + " bytes");
        }
        if (frameBytesMax <= 1 + MESSAGE_LENGTH_FIELD_BYTES) {
            throw new IllegalStateException("frameBytesMax " + frameBytesMax + " leaves no room for a fragment");
        }
        if (offset == 0 && messageBytes <= frameBytesMax - 1) {
            return messageBytes;
        }
        int room = offset == 0 ? frameBytesMax - 1 - MESSAGE_LENGTH_FIELD_BYTES : frameBytesMax - 1;
        return Math.min(room, messageBytes - offset);
    }

    /**
     * Encodes the frame of {@code message} that starts at {@code offset} and carries
     * {@link #frameContentBytes} bytes of it: a {@link #TYPE_DATA} frame for a message that fits one frame, else
     * a {@link #TYPE_FRAGMENT_START} (at offset 0) or a {@link #TYPE_FRAGMENT_CONTINUATION} frame.
     */
    static ByteBuf encodeMessageFrame(ByteBufAllocator allocator, byte[] message, int offset, int frameBytesMax) {
        int content = frameContentBytes(message.length, offset, frameBytesMax);
        if (offset == 0 && content == message.length) {
            return encodeData(allocator, message);
        }
        boolean start = offset == 0;
        int bodyBytes = 1 + (start ? MESSAGE_LENGTH_FIELD_BYTES : 0) + content;
        ByteBuf buffer = allocator.buffer(LENGTH_FIELD_BYTES + bodyBytes);
        buffer.writeInt(bodyBytes);
        buffer.writeByte(start ? TYPE_FRAGMENT_START : TYPE_FRAGMENT_CONTINUATION);
        if (start) {
            buffer.writeInt(message.length);
        }
        buffer.writeBytes(message, offset, content);
        return buffer;
    }

    static ByteBuf encodeHeartbeat(ByteBufAllocator allocator) {
        ByteBuf buffer = allocator.buffer(LENGTH_FIELD_BYTES + 1);
        buffer.writeInt(1);
        buffer.writeByte(TYPE_HEARTBEAT);
        return buffer;
    }

    /** Wire size of a data frame carrying {@code messageBytes}. */
    static int dataFrameBytes(int messageBytes) {
        return LENGTH_FIELD_BYTES + 1 + messageBytes;
    }

    private static void writeShortString(ByteBuf buffer, byte[] ascii) {
        if (ascii.length > 255) {
            throw new IllegalStateException("name of " + ascii.length + " bytes does not fit one length byte");
        }
        buffer.writeByte(ascii.length);
        buffer.writeBytes(ascii);
    }

    private static ReplicaId replicaId(String name, String field) {
        try {
            return ReplicaId.of(name);
        } catch (IllegalArgumentException invalid) {
            throw new IllegalArgumentException(field + " is invalid: " + invalid.getMessage(), invalid);
        }
    }

    /** A bounds-checked reader over a payload; every overrun becomes an IllegalArgumentException. */
    private static final class Reader {
        private final byte[] bytes;
        private int position;

        Reader(byte[] bytes) {
            this.bytes = bytes;
        }

        int remaining() {
            return bytes.length - position;
        }

        private void need(int count, String what) {
            if (remaining() < count) {
                throw new IllegalArgumentException("truncated " + what);
            }
        }

        int uint8() {
            need(1, "byte");
            return bytes[position++] & 0xFF;
        }

        int uint16() {
            need(2, "16-bit field");
            int value = ((bytes[position] & 0xFF) << 8) | (bytes[position + 1] & 0xFF);
            position += 2;
            return value;
        }

        int int32() {
            need(4, "32-bit field");
            int value = ((bytes[position] & 0xFF) << 24) | ((bytes[position + 1] & 0xFF) << 16)
                    | ((bytes[position + 2] & 0xFF) << 8) | (bytes[position + 3] & 0xFF);
            position += 4;
            return value;
        }

        String shortString(String what) {
            int length = uint8();
            need(length, what);
            for (int i = position; i < position + length; i++) {
                if (bytes[i] < 0x20 || bytes[i] > 0x7E) {
                    throw new IllegalArgumentException(what + " holds a non-printable byte");
                }
            }
            String value = new String(bytes, position, length, StandardCharsets.US_ASCII);
            position += length;
            return value;
        }
    }
}
