package io.calmdb.server.http;

import io.calmdb.crdt.Bytes;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * How values, set members and hash fields travel in JSON, chosen per request with {@code ?encoding=}: UTF-8 text
 * (the default) or base64 for binary data. Keys are always UTF-8 text in the URL path.
 *
 * <p>With UTF-8, a stored value that is not valid UTF-8 is refused with 409 rather than silently mangled, and the
 * message says to ask again with {@code ?encoding=base64}.
 */
enum ValueEncoding {
    UTF8,
    BASE64;

    /** The query parameter that selects the encoding. */
    static final String PARAMETER = "encoding";

    static ValueEncoding parse(String text) {
        if (text == null || text.isEmpty()) {
            return UTF8;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "utf8", "utf-8" -> UTF8;
            case "base64" -> BASE64;
            default -> throw HttpError.badRequest("encoding must be utf8 or base64, got '" + text + "'");
        };
    }

    Bytes decode(String text, String what) {
        if (this == UTF8) {
            return Bytes.ofUtf8(text);
        }
        try {
            return Bytes.copyOf(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(what + " is not valid base64: " + e.getMessage());
        }
    }

    String encode(Bytes bytes) {
        if (this == BASE64) {
            return Base64.getEncoder().encodeToString(bytes.toByteArray());
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new HttpError(409, "the stored data is not valid UTF-8; ask again with ?encoding=base64");
        }
    }
}
