package io.calmdb.server.storage;

/**
 * One write-ahead record as recovery or a log scan returns it: the encoded delta of one write, tagged with the key
 * it touched and its origin sequence number. The arrays are freshly decoded for each call and owned by the receiver;
 * the store keeps no reference to them.
 *
 * @param position the log position the store assigned at append time; positions start at 1 and have no gaps
 * @param key the key bytes the delta applies to
 * @param originSequence the origin sequence number the node attached (for example the dot counter of a local write)
 * @param payload the opaque encoded delta
 */
public record LogRecord(long position, byte[] key, long originSequence, byte[] payload) {
}
