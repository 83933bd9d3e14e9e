package io.calmdb.server.compat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * TEST FIXTURE: a real {@code redis-server} from the PATH, on its own loopback port and in its own directory, with
 * persistence off ({@code --save "" --appendonly no}). {@link #close} stops exactly the process it started, by PID.
 */
final class RedisServerProcess implements AutoCloseable {
    /** How long redis-server may take to answer PING after it starts. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    /** How long redis-server may take to exit after SIGTERM before it is killed. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    /** How many ports are tried when another process takes the chosen one first. */
    static final int START_ATTEMPTS_MAX = 3;

    private final Process process;
    private final int port;
    private final Path log;

    private RedisServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts redis-server in {@code directory}; fails with how to install it when it is not on the PATH. */
    static RedisServerProcess start(Path directory) throws IOException, InterruptedException {
        String executable = executable("redis-server");
        IOException lastFailure = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS_MAX; attempt++) {
            int port = unusedPort();
            Path log = directory.resolve("redis-" + port + ".log");
            Process process = new ProcessBuilder(List.of(executable, "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.toString(),
                    "--daemonize", "no", "--logfile", log.toString()))
                    .redirectErrorStream(true).redirectOutput(directory.resolve("redis-" + port + ".out").toFile())
                    .start();
            RedisServerProcess server = new RedisServerProcess(process, port, log);
            try {
                server.awaitPing();
                return server;
            } catch (IOException failure) {
                server.close();
                lastFailure = failure;
            }
        }
        throw lastFailure;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    private void awaitPing() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + ": " + logText());
            }
            try (RespFrameClient client = new RespFrameClient(port)) {
                if (client.call("PING").render().equals("+PONG")) {
                    return;
                }
            } catch (IOException notYetListening) {
                // Retried until the deadline: the server binds its port shortly after it starts.
            }
            process.waitFor(20, TimeUnit.MILLISECONDS);
        }
        throw new IOException("redis-server did not answer PING on port " + port + " within " + START_TIMEOUT);
    }

    private String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
        } catch (IOException unreadable) {
            return "(log unreadable: " + unreadable.getMessage() + ")";
        }
    }

    /** The named executable on the PATH; fails with how to install it when there is none. */
    static String executable(String name) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new AssertionError(name + " is not installed; run scripts/install-deps.sh (installs Debian's "
                + "redis-server and redis-tools) and run the tests again");
    }

    static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
