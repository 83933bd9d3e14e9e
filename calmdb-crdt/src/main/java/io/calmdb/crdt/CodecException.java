package io.calmdb.crdt;

/**
 * The only way decoding untrusted bytes fails: truncated input, an unknown version or type tag, a length or
 * count beyond a named bound, trailing garbage, or a state that violates its type's invariants. The message
 * says what was wrong and at which byte offset.
 */
public final class CodecException extends Exception {
    public CodecException(String message) {
        super(message);
    }
}
