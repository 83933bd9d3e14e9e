package io.calmdb.server.http;

/**
 * A request the API refuses, with the HTTP status to answer and the message for the JSON error body. Thrown by
 * route handlers and by the request parsers; nothing was changed when it is thrown before a write.
 */
final class HttpError extends RuntimeException {
    private final int status;

    HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }

    static HttpError badRequest(String message) {
        return new HttpError(400, message);
    }

    static HttpError notFound(String message) {
        return new HttpError(404, message);
    }
}
