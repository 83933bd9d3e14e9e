package io.calmdb.server.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.calmdb.server.resp.RespServer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The keyspace thread: a task that fails is counted every time but logged a bounded number of times. */
class KeyspaceThreadTest {
    @Test
    void aFailureThatRepeats_isCountedEveryTime_butLoggedAtMostTheBoundPerWindow() {
        Logger logger = (Logger) LoggerFactory.getLogger(KeyspaceThread.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try (KeyspaceThread thread = new KeyspaceThread(RespServer.singleThreadGroup("keyspace-test", false), 16)) {
            for (int i = 0; i < 100; i++) {
                thread.execute(() -> {
                    throw new IllegalStateException("planted failure");
                });
            }
            // call() runs after every task queued before it, so all hundred have run when it returns.
            long failed = thread.call(thread::tasksFailed);
            assertThat(failed).isEqualTo(100);
            assertThat(appender.list).hasSize(KeyspaceThread.FAILURES_LOGGED_PER_WINDOW_MAX);
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void clientWork_onTheLoopItself_runsInline_withoutAQueue() {
        try (KeyspaceThread thread = new KeyspaceThread(RespServer.singleThreadGroup("keyspace-test", false), 16)) {
            boolean inline = thread.call(() -> {
                boolean[] ran = {false};
                thread.submitClient(() -> {
                    ran[0] = true;
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                });
                return ran[0];
            });
            assertThat(inline).isTrue();
            assertThat(thread.clientTasksQueued()).isZero();
        }
    }
}
