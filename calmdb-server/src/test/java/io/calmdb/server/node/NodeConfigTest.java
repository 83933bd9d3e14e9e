package io.calmdb.server.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.storage.FsyncPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fsync setting of a node's configuration: its default, the old names, and the message for a wrong one. */
class NodeConfigTest {
    @TempDir
    Path directory;

    @Test
    void fsync_defaultsToEverysec_inCodeAndInAFileWithoutIt() throws IOException {
        assertThat(NodeConfig.builder("c", ReplicaId.of("tokyo"), directory).build().fsync())
                .isEqualTo(FsyncPolicy.EVERYSEC);
        assertThat(NodeConfig.load(file(null)).fsync()).isEqualTo(FsyncPolicy.EVERYSEC);
    }

    @Test
    void fsync_acceptsTheRedisNames_andTheOldNamesAsTheirEquivalents() throws IOException {
        assertThat(NodeConfig.load(file("always")).fsync()).isEqualTo(FsyncPolicy.ALWAYS);
        assertThat(NodeConfig.load(file("everysec")).fsync()).isEqualTo(FsyncPolicy.EVERYSEC);
        assertThat(NodeConfig.load(file("no")).fsync()).isEqualTo(FsyncPolicy.NO);
        assertThat(NodeConfig.load(file("batch")).fsync()).isEqualTo(FsyncPolicy.ALWAYS);
        assertThat(NodeConfig.load(file("never")).fsync()).isEqualTo(FsyncPolicy.NO);
    }

    @Test
    void fsync_refusesAnUnknownName_namingTheAcceptedOnes() throws IOException {
        Path config = file("sometimes");
        assertThatThrownBy(() -> NodeConfig.load(config))
                .hasMessageContaining("fsync must be always, everysec or no, got 'sometimes'");
    }

    private Path file(String fsync) throws IOException {
        String yaml = "cluster: c\nreplica: tokyo\ndataDirectory: data\n"
                + (fsync == null ? "" : "fsync: " + fsync + "\n")
                + "resp: { host: 127.0.0.1, port: 6379 }\nhttp: { host: 127.0.0.1, port: 7080 }\n"
                + "replication: { host: 127.0.0.1, port: 7379 }\n";
        return Files.writeString(directory.resolve("node-" + (fsync == null ? "default" : fsync) + ".yaml"), yaml);
    }
}
