package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code redis-cli} against a port on loopback, for tests that check what a real client sees. */
public final class RedisCli {
    /** How long one redis-cli run may take, in seconds. */
    public static final long PROCESS_TIMEOUT_SECONDS = 10;

    private RedisCli() {}

    /** Runs {@code redis-cli -h 127.0.0.1 -p port arguments...}; returns its trimmed output, failing on a non-zero exit. */
    public static String run(int port, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(path(), "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("redis-cli " + String.join(" ", arguments) + " did not finish in "
                    + PROCESS_TIMEOUT_SECONDS + " s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.exitValue()).as("exit code of redis-cli %s, output %s", arguments, output).isZero();
        return output;
    }

    /** The redis-cli on the PATH; fails with how to install it when there is none. */
    public static String path() {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(directory, "redis-cli");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new AssertionError("redis-cli is not installed; run scripts/install-deps.sh (installs Debian's "
                + "redis-tools) and run the tests again");
    }
}
