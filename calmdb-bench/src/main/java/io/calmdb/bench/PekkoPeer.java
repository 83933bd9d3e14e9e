package io.calmdb.bench;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.protobuf.ReplicatedDataSerializer;

/**
 * The pieces the benchmarks need from Apache Pekko Distributed Data, the peer CalmDB is compared with: node
 * identities for its data types, and its protobuf serializer.
 *
 * <p>Pekko's data types need only a {@link SelfUniqueAddress}, so the timed mutations and merges run without an
 * actor system, as CalmDB's do. Its serializer, however, reads the local system's address and name when it
 * decodes a node identity, so {@link Serialization} starts a local actor system named {@value #SYSTEM_NAME}; the
 * node addresses below use that name too, which makes a decoded set's nodes equal to the original's.
 */
final class PekkoPeer {
    /** The actor system name shared by the node addresses and the serializer's system. */
    static final String SYSTEM_NAME = "bench";

    /** How long closing the actor system may take before the benchmark gives up waiting, in seconds. */
    private static final long TERMINATE_WAIT_SECONDS_MAX = 30;

    private PekkoPeer() {}

    /**
     * The identity of benchmark node {@code index} (0, 1, 2, ...): protocol {@code pekko}, system
     * {@value #SYSTEM_NAME}, host {@code host}, a distinct port and a distinct uid per node.
     */
    static SelfUniqueAddress node(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, got " + index);
        }
        Address address = Address.apply("pekko", SYSTEM_NAME, "host", 25520 + index);
        return SelfUniqueAddress.apply(new UniqueAddress(address, 1_000_000L + index));
    }

    /**
     * Pekko's own {@link ReplicatedDataSerializer} over a local actor system. Create one per benchmark trial and
     * {@link #close()} it at the end; the system starts idle dispatcher threads and nothing else.
     */
    static final class Serialization implements AutoCloseable {
        private final ActorSystem system;
        private final ReplicatedDataSerializer serializer;

        Serialization() {
            // Quiet logging and no JVM shutdown hook: the benchmark terminates the system itself.
            String config = """
                    pekko.loglevel = WARNING
                    pekko.stdout-loglevel = WARNING
                    pekko.log-dead-letters = off
                    pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                    """;
            system = ActorSystem.create(SYSTEM_NAME, ConfigFactory.parseString(config)
                    .withFallback(ConfigFactory.load(PekkoPeer.class.getClassLoader())));
            serializer = new ReplicatedDataSerializer((ExtendedActorSystem) system);
        }

        ReplicatedDataSerializer serializer() {
            return serializer;
        }

        /** Serializes as Pekko does on the wire and in its durable store (a full ORSet is gzipped). */
        byte[] toBinary(Object data) {
            return serializer.toBinary(data);
        }

        /** Deserializes bytes made by {@link #toBinary} for an object of {@code data}'s class. */
        Object fromBinary(byte[] bytes, Object sameClassAs) {
            return serializer.fromBinary(bytes, serializer.manifest(sameClassAs));
        }

        @Override
        public void close() {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(TERMINATE_WAIT_SECONDS_MAX, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                throw new IllegalStateException("the Pekko actor system did not terminate within "
                        + Duration.ofSeconds(TERMINATE_WAIT_SECONDS_MAX), e);
            }
        }
    }
}
