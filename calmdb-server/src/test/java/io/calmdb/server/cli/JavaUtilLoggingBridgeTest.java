package io.calmdb.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.util.logging.LogManager;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

class JavaUtilLoggingBridgeTest {
    @Test
    void julAndSystemLoggerRecords_reachLogback_afterTheCommandLineInstallsTheBridge() throws IOException {
        Logger logback = (Logger) LoggerFactory.getLogger("calmdb.bridge.test");
        ListAppender<ILoggingEvent> recorder = new ListAppender<>();
        recorder.start();
        logback.addAppender(recorder);
        // The records are for the recorder only; the test's own console output would be noise.
        logback.setAdditive(false);
        try {
            CalmDb.routeJavaUtilLoggingToLogback();
            java.util.logging.Logger.getLogger("calmdb.bridge.test").warning("from java.util.logging");
            System.getLogger("calmdb.bridge.test").log(System.Logger.Level.WARNING, "from System.Logger");
            assertThat(recorder.list).extracting(ILoggingEvent::getFormattedMessage)
                    .containsExactly("from java.util.logging", "from System.Logger");
        } finally {
            logback.detachAppender(recorder);
            logback.setAdditive(true);
            SLF4JBridgeHandler.uninstall();
            // Puts JUL's default console handler back for the other tests in this JVM.
            LogManager.getLogManager().readConfiguration();
        }
    }
}
