package io.calmdb.server.embedded;

/**
 * The key holds another type than the handle expects (for example {@code db.set("x")} on a key written as a
 * counter). A key's type is fixed by its first write, as in Redis; nothing was changed.
 */
public final class WrongTypeException extends CalmDbException {
    public WrongTypeException(String message) {
        super(message);
    }
}
