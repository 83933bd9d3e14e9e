package io.calmdb.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.replication.keyspace.KeyspaceException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The mapping from refusals to HTTP statuses, including the ones a live test cannot provoke on demand. */
class HttpApiStatusTest {
    @Test
    void wrongTypeAndNotAnInteger_are409() {
        assertThat(HttpApi.status(new KeyspaceException(KeyspaceException.WRONG_TYPE))).isEqualTo(409);
        assertThat(HttpApi.status(new KeyspaceException(KeyspaceException.NOT_AN_INTEGER))).isEqualTo(409);
    }

    @Test
    void aFullKeyspaceQueueOrASlowNode_is503() {
        assertThat(HttpApi.status(new RejectedExecutionException("BUSY the keyspace queue is full"))).isEqualTo(503);
        assertThat(HttpApi.status(new TimeoutException())).isEqualTo(503);
    }

    @Test
    void badInputAndMissingKeys_keepTheirStatus() {
        assertThat(HttpApi.status(HttpError.badRequest("no"))).isEqualTo(400);
        assertThat(HttpApi.status(HttpError.notFound("no"))).isEqualTo(404);
        assertThat(HttpApi.status(new IllegalStateException("bug"))).isEqualTo(500);
    }
}
