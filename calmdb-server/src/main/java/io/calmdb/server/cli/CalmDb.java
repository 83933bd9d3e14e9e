package io.calmdb.server.cli;

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
        System.exit(new CommandLine(new CalmDb()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
