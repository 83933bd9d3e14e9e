package io.calmdb.server.faults;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import redis.clients.jedis.Jedis;

/**
 * TEST FIXTURE: one CalmDB node running as a child JVM ({@code CalmDb server --config FILE}) with the test's own
 * Java binary and class path. Its standard output and error are appended to files next to its configuration, so a
 * restarted node keeps one log, and {@link #logs} shows them when a test fails. The fixture only ever signals the
 * process it started, through its {@link Process} handle.
 */
final class NodeProcess {
    /** How long a node may take from launch until it answers PING (a cold JVM on a loaded two-core machine). */
    static final Duration START_WAIT_MAX = Duration.ofSeconds(60);
    /** How long a signalled node may take to exit. */
    static final Duration EXIT_WAIT_MAX = Duration.ofSeconds(30);
    /** Socket timeout of the Jedis clients the fixture hands out, in milliseconds. */
    static final int CLIENT_TIMEOUT_MILLIS = 10_000;
    /** The most lines of each log {@link #logs} returns (the end of the file). */
    static final int LOG_LINES_MAX = 300;
    /** The child's heap: three nodes and the test JVM share two cores and a few gigabytes. */
    static final String CHILD_HEAP = "-Xmx256m";

    private final String replica;
    private final Path configFile;
    private final Path stdoutFile;
    private final Path stderrFile;
    private final int respPort;
    private Process process;
    private int launches;

    NodeProcess(String replica, Path configFile, int respPort) {
        this.replica = replica;
        this.configFile = configFile;
        this.stdoutFile = configFile.resolveSibling(replica + ".stdout.log");
        this.stderrFile = configFile.resolveSibling(replica + ".stderr.log");
        this.respPort = respPort;
    }

    String replica() {
        return replica;
    }

    int respPort() {
        return respPort;
    }

    /** Launches the node (again, after a kill or stop, with the same configuration and data directory). */
    void launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("node " + replica + " is already running as pid " + process.pid());
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(
                () -> new IllegalStateException("the test JVM's java binary is unknown")));
        command.add(CHILD_HEAP);
        command.add("-XX:+UseSerialGC");
        // C1 only: a test node needs a fast start more than peak speed, and the machine has two shared cores.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        // The node logs at INFO (its production configuration), not at the test class path's WARN.
        productionLogbackFile().ifPresent(file -> command.add("-Dlogback.configurationFile=" + file));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.calmdb.server.cli.CalmDb");
        command.add("server");
        command.add("--config");
        command.add(configFile.toString());
        launches++;
        try {
            String banner = "---- launch " + launches + " of " + replica + System.lineSeparator();
            Files.writeString(stdoutFile, banner, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(stderrFile, banner, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            process = new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(stdoutFile.toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(stderrFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch node " + replica, e);
        }
    }

    private static java.util.Optional<Path> productionLogbackFile() {
        URL url = NodeProcess.class.getClassLoader().getResource("logback.xml");
        if (url == null || !"file".equals(url.getProtocol())) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Path.of(url.toURI()));
        } catch (URISyntaxException e) {
            return java.util.Optional.empty();
        }
    }

    /** Waits (bounded) until the node printed its serving line and answers PING; fails if it exits first. */
    void awaitServing() {
        String servingLine = "calmdb node " + replica + " of cluster";
        long deadline = System.nanoTime() + START_WAIT_MAX.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("node " + replica + " exited with status " + process.exitValue() + " before serving\n" + logs());
            }
            if (lastLaunchOutput().contains(servingLine) && answersPing()) {
                return;
            }
            pause();
        }
        fail("node " + replica + " did not serve within " + START_WAIT_MAX + "\n" + logs());
    }

    private String lastLaunchOutput() {
        String all = read(stdoutFile);
        int start = all.lastIndexOf("---- launch " + launches + " of ");
        return start < 0 ? "" : all.substring(start);
    }

    boolean answersPing() {
        try (Jedis jedis = new Jedis("127.0.0.1", respPort, 2_000)) {
            return "PONG".equals(jedis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A new Jedis connection to the node; the caller closes it. */
    Jedis client() {
        return new Jedis("127.0.0.1", respPort, CLIENT_TIMEOUT_MILLIS);
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: the node gets no chance to flush, close or say goodbye. Waits (bounded) until it is gone. */
    void kill() {
        process.destroyForcibly();
        awaitExit();
    }

    /** SIGTERM: the node's shutdown hook closes it in order. Falls back to SIGKILL if it does not exit in time. */
    void stop() {
        signalStop();
        awaitStopped();
    }

    /** Sends SIGTERM without waiting, so several nodes can shut down at once; {@link #awaitStopped} waits. */
    void signalStop() {
        if (process != null && process.isAlive()) {
            process.destroy();
        }
    }

    /** Waits (bounded) for a node sent SIGTERM to exit; kills it and fails if it does not. */
    void awaitStopped() {
        if (process == null) {
            return;
        }
        try {
            process.onExit().get(EXIT_WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            process.destroyForcibly();
            awaitExit();
            fail("node " + replica + " ignored SIGTERM for " + EXIT_WAIT_MAX + "; killed it\n" + logs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Kills the node if it is still running; for clean-up after a test, whatever happened. */
    void destroy() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.onExit().get(EXIT_WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                System.err.println("node " + replica + " (pid " + process.pid() + ") did not exit after SIGKILL: " + e);
            }
        }
    }

    private void awaitExit() {
        try {
            process.onExit().get(EXIT_WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted while waiting for node " + replica + " to exit");
        } catch (ExecutionException | TimeoutException e) {
            fail("node " + replica + " did not exit within " + EXIT_WAIT_MAX + ": " + e);
        }
    }

    /** The end of the node's standard output and error, every launch included. */
    String logs() {
        return "===== " + replica + " stdout (" + stdoutFile + ")\n" + tail(read(stdoutFile)) + "===== " + replica
                + " stderr (" + stderrFile + ")\n" + tail(read(stderrFile));
    }

    private static String tail(String text) {
        String[] lines = text.split("\n", -1);
        int from = Math.max(0, lines.length - LOG_LINES_MAX);
        StringBuilder tail = new StringBuilder();
        if (from > 0) {
            tail.append("... ").append(from).append(" earlier lines omitted\n");
        }
        for (int i = from; i < lines.length; i++) {
            tail.append(lines[i]).append('\n');
        }
        return tail.toString();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")\n";
        }
    }

    /** The polling interval of every bounded wait in this package. */
    static void pause() {
        try {
            Thread.sleep(Faults.POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
