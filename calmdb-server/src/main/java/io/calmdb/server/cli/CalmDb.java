package io.calmdb.server.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code calmdb} command. Each subcommand is its own class listed below, so adding one ({@code demo},
 * {@code server}) is a new class and one line here.
 */
@Command(name = "calmdb", mixinStandardHelpOptions = true, version = "calmdb 0.1.0-SNAPSHOT",
        description = "CalmDB: a coordination-avoiding multi-region data store.",
        subcommands = {DemoCommand.class, ServerCommand.class, SimCommand.class, CommandLine.HelpCommand.class})
public final class CalmDb implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        routeJavaUtilLoggingToLogback();
        System.exit(new CommandLine(new CalmDb()).execute(args));
    }

    /**
     * The JDK (and any library that uses java.util.logging or System.Logger) would otherwise print through JUL's
     * console handler in its own two-line format; the bridge sends those records to Logback so every line of the
     * process has one format. Only the command line does this: an application embedding CalmDB owns its logging.
     */
    static void routeJavaUtilLoggingToLogback() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
