package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link RedisPy} runner itself: a real redis-py program talks RESP to the front door and its output returns. */
class RedisPyTest {
    private RespServer server;

    @BeforeEach
    void startServer() {
        server = RespServer.start(RespServerConfig.defaults(), InMemoryTestHandler.TABLE, new InMemoryTestHandler());
    }

    @AfterEach
    void stopServer() {
        server.stop();
    }

    @Test
    void redisPy_setGetAndPrints() throws Exception {
        String output = RedisPy.run("""
                import os, redis
                r = redis.Redis(host='127.0.0.1', port=int(os.environ['PORT']))
                assert r.ping()
                r.set('py-key', 'py value')
                print(r.get('py-key').decode())
                """, server.port());
        assertThat(output).isEqualTo("py value");
    }

    @Test
    void redisPy_failedAssertFailsTheRun() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RedisPy.run("assert False, 'planted'", server.port()))
                .isInstanceOf(AssertionError.class).hasMessageContaining("planted");
    }
}
