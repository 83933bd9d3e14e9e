package io.calmdb.sim.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import org.junit.jupiter.api.Test;

/** The simulator's expiry checker catches what it is there to catch: an unreclaimed key and a foreign value. */
class WorkloadModelExpiryTest {
    private static final ReplicaId NODE = ReplicaId.of("n1");
    private static final Bytes KEY = Bytes.ofUtf8("expiring:1");
    private static final long T0 = 1_000_000;

    @Test
    void anExpiredKeyActiveExpiryNeverRemoved_isAViolation_andASweptOneIsNot() throws KeyspaceException {
        WorkloadModel model = new WorkloadModel();
        Keyspace keyspace = new Keyspace(NODE);
        Bytes value = Bytes.ofUtf8("n1-1");
        model.issued(new WorkloadModel.Write.SetExpiring(KEY, value, T0 + 100));
        keyspace.setString(KEY, value, T0 + 100, false, false, false, T0);

        keyspace.setTaskTime(T0 + 50);
        assertThat(model.checkExpiring(NODE, keyspace, false)).isEmpty();
        keyspace.setTaskTime(T0 + 200);
        assertThat(model.checkExpiring(NODE, keyspace, true)).singleElement().asString()
                .contains("never reclaimed");

        keyspace.expireDue(T0 + 200, 10);
        assertThat(model.checkExpiring(NODE, keyspace, true)).isEmpty();
    }

    @Test
    void aValueNoClientWrote_isAViolation() throws KeyspaceException {
        WorkloadModel model = new WorkloadModel();
        Keyspace keyspace = new Keyspace(NODE);
        model.issued(new WorkloadModel.Write.SetExpiring(KEY, Bytes.ofUtf8("written"), T0 + 100));
        keyspace.setString(KEY, Bytes.ofUtf8("invented"), T0 + 100, false, false, false, T0);
        keyspace.setTaskTime(T0);

        assertThat(model.checkExpiring(NODE, keyspace, false)).singleElement().asString()
                .contains("which no client wrote");
    }
}
