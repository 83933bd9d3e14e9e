package io.calmdb.server.faults;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * TEST FIXTURE: a JUnit extension that owns the node processes a test starts. After each test it prints every
 * node's standard output and error if the test failed, then stops every node it started (SIGTERM, then SIGKILL),
 * so no process outlives its test whatever the outcome.
 */
final class ProcessClusters implements AfterEachCallback {
    private final List<ProcessCluster> clusters = new ArrayList<>();

    /** Writes the configurations for {@code replicas} under {@code root}, launches them and waits until they serve. */
    ProcessCluster start(Path root, List<String> replicas, String fsync) {
        ProcessCluster cluster = new ProcessCluster(root, replicas, fsync);
        clusters.add(cluster);
        return cluster.startAll();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            if (context.getExecutionException().isPresent()) {
                for (ProcessCluster cluster : clusters) {
                    System.err.println("node logs for the failed test " + context.getDisplayName() + ":\n" + cluster.logs());
                }
            }
        } finally {
            clusters.forEach(ProcessCluster::destroyAll);
            clusters.clear();
        }
    }
}
