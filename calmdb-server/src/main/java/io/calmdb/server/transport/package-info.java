/**
 * The real links between CalmDB nodes: a Netty transport that carries opaque binary messages, split into bounded
 * length-prefixed frames and joined again, between named replicas, with a handshake, bounded per-peer queues,
 * reconnection and administrative partitions.
 * It depends on calmdb-crdt (for {@link io.calmdb.crdt.ReplicaId}) and Netty only; it knows nothing of protocols.
 */
package io.calmdb.server.transport;
