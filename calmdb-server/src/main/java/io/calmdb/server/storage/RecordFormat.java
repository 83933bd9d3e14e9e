package io.calmdb.server.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The byte layout of every value the store writes to RocksDB, and its checks.
 *
 * <p>Each value is an envelope: a header of format version (1 byte), record kind (1 byte), body length (4 bytes,
 * big-endian) and CRC32C (4 bytes), followed by the body. The checksum covers the RocksDB key, the version, the kind,
 * the length and the body, so a flipped bit anywhere, a truncated value, or a value moved under another key is
 * detected. RocksDB's own block checksums protect its files; this checksum protects the meaning of each record
 * end to end, including bugs that write the wrong bytes.
 */
final class RecordFormat {
    /**
     * The storage format this build writes and reads. A directory written with another version is refused. Version 2:
     * every key state and delta carries the key's expiry register (KeyValue's fifth slot), which version 1 lacks.
     */
    static final byte FORMAT_VERSION = 2;

    /** Header length in bytes: version, kind, body length, checksum. */
    static final int HEADER_BYTES = 1 + 1 + 4 + 4;

    /** Bytes at the start of the identity body that mark a directory as CalmDB storage. */
    static final byte[] IDENTITY_MAGIC = "CALMDB-STORAGE".getBytes(StandardCharsets.US_ASCII);

    /** What a value holds; stored in the header so a value read under the wrong key or family is caught. */
    enum Kind {
        IDENTITY(1),
        CHECKPOINT_MANIFEST(2),
        LOG_RECORD(3),
        OBJECT_STATE(4),
        REPLICATION_METADATA(5),
        LOG_START(6);

        final byte code;

        Kind(int code) {
            this.code = (byte) code;
        }
    }

    private RecordFormat() {
    }

    /** Wraps {@code body} in a checksummed envelope bound to {@code storageKey}. */
    static byte[] seal(Kind kind, byte[] storageKey, byte[] body) {
        byte[] value = new byte[HEADER_BYTES + body.length];
        value[0] = FORMAT_VERSION;
        value[1] = kind.code;
        writeInt(value, 2, body.length);
        System.arraycopy(body, 0, value, HEADER_BYTES, body.length);
        writeInt(value, 6, checksum(storageKey, value));
        return value;
    }

    /**
     * Checks an envelope read under {@code storageKey} and returns its body.
     *
     * @param location names the value in an error message, such as {@code "log record at position 7"}
     * @throws CorruptStorageException naming {@code location} when any check fails
     */
    static byte[] open(Kind expectedKind, byte[] storageKey, byte[] value, String location) {
        if (value.length < HEADER_BYTES) {
            throw new CorruptStorageException(location, "value is " + value.length
                    + " bytes, shorter than the " + HEADER_BYTES + "-byte record header (truncated)");
        }
        if (value[0] != FORMAT_VERSION) {
            throw new CorruptStorageException(location, "record format version " + value[0]
                    + " where this build writes and reads only version " + FORMAT_VERSION);
        }
        if (value[1] != expectedKind.code) {
            throw new CorruptStorageException(location, "record kind " + value[1] + " where "
                    + expectedKind + " (" + expectedKind.code + ") was expected");
        }
        int bodyBytes = readInt(value, 2);
        if (bodyBytes != value.length - HEADER_BYTES) {
            throw new CorruptStorageException(location, "header announces a " + bodyBytes + "-byte body but "
                    + (value.length - HEADER_BYTES) + " bytes follow (truncated or overwritten)");
        }
        int storedChecksum = readInt(value, 6);
        int actualChecksum = checksum(storageKey, value);
        if (storedChecksum != actualChecksum) {
            throw new CorruptStorageException(location, String.format(
                    "checksum mismatch: stored CRC32C %08x, computed %08x", storedChecksum, actualChecksum));
        }
        return Arrays.copyOfRange(value, HEADER_BYTES, value.length);
    }

    /**
     * Whether the checksum of an envelope matches, regardless of its version; used to tell a directory written by
     * another format version (intact, so refused as incompatible) from a damaged version byte (corrupt).
     */
    static boolean checksumMatches(byte[] storageKey, byte[] value) {
        if (value.length < HEADER_BYTES || readInt(value, 2) != value.length - HEADER_BYTES) {
            return false;
        }
        return readInt(value, 6) == checksum(storageKey, value);
    }

    /** The body of a log record: origin sequence, then the key and the payload, each length-prefixed. */
    static byte[] encodeLogBody(byte[] key, long originSequence, byte[] payload) {
        ByteBuffer body = ByteBuffer.allocate(8 + 4 + key.length + 4 + payload.length);
        body.putLong(originSequence).putInt(key.length).put(key).putInt(payload.length).put(payload);
        return body.array();
    }

    /** Decodes a log body already verified by {@link #open}; the lengths inside must still add up exactly. */
    static LogRecord decodeLogBody(long position, byte[] body, String location) {
        ByteBuffer buffer = ByteBuffer.wrap(body);
        if (buffer.remaining() < 8 + 4) {
            throw new CorruptStorageException(location, "log record body of " + body.length + " bytes is too short");
        }
        long originSequence = buffer.getLong();
        byte[] key = readLengthPrefixed(buffer, location, "key");
        byte[] payload = readLengthPrefixed(buffer, location, "payload");
        if (buffer.hasRemaining()) {
            throw new CorruptStorageException(location, buffer.remaining() + " unexpected bytes after the payload");
        }
        return new LogRecord(position, key, originSequence, payload);
    }

    /** The identity body: the magic marker, then the cluster name and the replica id, each length-prefixed UTF-8. */
    static byte[] encodeIdentityBody(String clusterName, String replicaId) {
        byte[] cluster = clusterName.getBytes(StandardCharsets.UTF_8);
        byte[] replica = replicaId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(IDENTITY_MAGIC.length + 4 + cluster.length + 4 + replica.length);
        body.put(IDENTITY_MAGIC).putInt(cluster.length).put(cluster).putInt(replica.length).put(replica);
        return body.array();
    }

    /** Decodes an identity body into {@code [clusterName, replicaId]}, checking the magic marker. */
    static String[] decodeIdentityBody(byte[] body, String location) {
        if (body.length < IDENTITY_MAGIC.length
                || !Arrays.equals(body, 0, IDENTITY_MAGIC.length, IDENTITY_MAGIC, 0, IDENTITY_MAGIC.length)) {
            throw new CorruptStorageException(location, "format marker is garbled (no CALMDB-STORAGE magic)");
        }
        ByteBuffer buffer = ByteBuffer.wrap(body, IDENTITY_MAGIC.length, body.length - IDENTITY_MAGIC.length);
        String cluster = new String(readLengthPrefixed(buffer, location, "cluster name"), StandardCharsets.UTF_8);
        String replica = new String(readLengthPrefixed(buffer, location, "replica id"), StandardCharsets.UTF_8);
        if (buffer.hasRemaining()) {
            throw new CorruptStorageException(location, buffer.remaining() + " unexpected bytes after the replica id");
        }
        return new String[] {cluster, replica};
    }

    /** A body holding one long, used by the checkpoint manifest and the log start marker. */
    static byte[] encodeLong(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    static long decodeLong(byte[] body, String location) {
        if (body.length != 8) {
            throw new CorruptStorageException(location, "expected an 8-byte position, found " + body.length + " bytes");
        }
        return ByteBuffer.wrap(body).getLong();
    }

    /** A log position as a RocksDB key: 8 bytes big-endian, so byte order equals numeric order for positions >= 0. */
    static byte[] positionKey(long position) {
        return ByteBuffer.allocate(8).putLong(position).array();
    }

    static long decodePositionKey(byte[] key) {
        if (key.length != 8) {
            throw new CorruptStorageException("log column family", "a key of " + key.length
                    + " bytes where an 8-byte log position was expected");
        }
        return ByteBuffer.wrap(key).getLong();
    }

    private static byte[] readLengthPrefixed(ByteBuffer buffer, String location, String field) {
        if (buffer.remaining() < 4) {
            throw new CorruptStorageException(location, "truncated before the length of the " + field);
        }
        int length = buffer.getInt();
        if (length < 0 || length > buffer.remaining()) {
            throw new CorruptStorageException(location, "the " + field + " claims " + length + " bytes but only "
                    + buffer.remaining() + " remain (truncated)");
        }
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return bytes;
    }

    private static int checksum(byte[] storageKey, byte[] value) {
        CRC32C crc = new CRC32C();
        crc.update(storageKey, 0, storageKey.length);
        crc.update(value, 0, 6);
        crc.update(value, HEADER_BYTES, value.length - HEADER_BYTES);
        return (int) crc.getValue();
    }

    private static void writeInt(byte[] target, int offset, int value) {
        target[offset] = (byte) (value >>> 24);
        target[offset + 1] = (byte) (value >>> 16);
        target[offset + 2] = (byte) (value >>> 8);
        target[offset + 3] = (byte) value;
    }

    private static int readInt(byte[] source, int offset) {
        return ((source[offset] & 0xff) << 24) | ((source[offset + 1] & 0xff) << 16)
                | ((source[offset + 2] & 0xff) << 8) | (source[offset + 3] & 0xff);
    }
}
