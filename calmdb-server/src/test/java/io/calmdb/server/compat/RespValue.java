package io.calmdb.server.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One RESP2 reply as a comparable value: a simple string, an error, an integer, a bulk string (or nil) or an array
 * (or nil). {@link #render} gives a canonical text that two replies are compared by, with binary bytes escaped.
 */
sealed interface RespValue {
    record Simple(String text) implements RespValue {}

    record Error(String text) implements RespValue {}

    record Integer(long value) implements RespValue {}

    /** A bulk string; {@code bytes} is null for the nil bulk reply. */
    record Bulk(byte[] bytes) implements RespValue {}

    /** An array; {@code elements} is null for the nil array reply. */
    record Array(List<RespValue> elements) implements RespValue {}

    /** A value already reduced for comparison (a sorted array, a TTL's sign, a reply's shape). */
    record Normalized(String text) implements RespValue {}

    /** The canonical text: {@code +OK}, {@code -ERR ...}, {@code :5}, {@code "v"}, {@code nil}, {@code [a, b]}. */
    default String render() {
        return switch (this) {
            case Simple simple -> "+" + simple.text();
            case Error error -> "-" + error.text();
            case Integer integer -> ":" + integer.value();
            case Bulk bulk -> bulk.bytes() == null ? "nil" : quote(bulk.bytes());
            case Array array -> array.elements() == null ? "*nil" : renderAll(array.elements(), false);
            case Normalized normalized -> normalized.text();
        };
    }

    /** The reply's kind without its content: what a random or time-dependent reply is compared by. */
    default String shape() {
        return switch (this) {
            case Simple simple -> "simple";
            case Error error -> "error";
            case Integer integer -> "integer";
            case Bulk bulk -> bulk.bytes() == null ? "nil" : "bulk";
            case Array array -> array.elements() == null ? "nil-array" : "array of " + array.elements().size();
            case Normalized normalized -> "normalized";
        };
    }

    static String renderAll(List<RespValue> elements, boolean sorted) {
        List<String> rendered = new ArrayList<>();
        for (RespValue element : elements) {
            rendered.add(element.render());
        }
        if (sorted) {
            Collections.sort(rendered);
        }
        return "[" + String.join(", ", rendered) + "]";
    }

    static String quote(byte[] bytes) {
        StringBuilder text = new StringBuilder("\"");
        String decoded = new String(bytes, StandardCharsets.UTF_8);
        boolean validUtf8 = java.util.Arrays.equals(decoded.getBytes(StandardCharsets.UTF_8), bytes);
        if (validUtf8) {
            for (int index = 0; index < decoded.length(); index++) {
                char character = decoded.charAt(index);
                if (character == '"' || character == '\\') {
                    text.append('\\').append(character);
                } else if (character < 0x20 || character == 0x7f) {
                    text.append(String.format("\\x%02x", (int) character));
                } else {
                    text.append(character);
                }
            }
        } else {
            for (byte value : bytes) {
                int unsigned = value & 0xff;
                if (unsigned >= 0x20 && unsigned < 0x7f && unsigned != '"' && unsigned != '\\') {
                    text.append((char) unsigned);
                } else {
                    text.append(String.format("\\x%02x", unsigned));
                }
            }
        }
        return text.append('"').toString();
    }
}
