package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real redis-py program (Debian's {@code python3-redis}, for {@code /usr/bin/python3}) against a port on
 * loopback, so a test checks what an application written with redis-py sees. The program gets {@code PORT} (and
 * any further {@code PORT2}, {@code PORT3}) in its environment; whatever it prints is returned, and a non-zero exit
 * (an uncaught exception or a failed {@code assert}) fails the test with the program's output.
 */
public final class RedisPy {
    /** How long one program may run, in seconds. */
    public static final long PROCESS_TIMEOUT_SECONDS = 60;
    /** The interpreter Debian's python3-redis installs for. */
    public static final Path PYTHON = Path.of("/usr/bin/python3");

    private RedisPy() {}

    /** Runs {@code program} with {@code PORT=ports[0]}, {@code PORT2=ports[1]}, ...; returns its trimmed output. */
    public static String run(String program, int... ports) throws IOException, InterruptedException {
        requireInstalled();
        ProcessBuilder builder = new ProcessBuilder(List.of(PYTHON.toString(), "-c", program))
                .redirectErrorStream(true);
        for (int i = 0; i < ports.length; i++) {
            builder.environment().put(i == 0 ? "PORT" : "PORT" + (i + 1), Integer.toString(ports[i]));
        }
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the redis-py program did not finish in " + PROCESS_TIMEOUT_SECONDS + " s:\n"
                    + program);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.exitValue()).as("exit code of the redis-py program; its output:\n%s", output).isZero();
        return output;
    }

    /** Fails with how to install redis-py when it is missing. */
    public static void requireInstalled() throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            throw new AssertionError(PYTHON + " is missing; run scripts/install-deps.sh");
        }
        List<String> probe = new ArrayList<>(List.of(PYTHON.toString(), "-c", "import redis"));
        Process process = new ProcessBuilder(probe).redirectErrorStream(true).start();
        if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new AssertionError("redis-py is not installed for " + PYTHON + "; run scripts/install-deps.sh "
                    + "(installs Debian's python3-redis) and run the tests again");
        }
    }
}
