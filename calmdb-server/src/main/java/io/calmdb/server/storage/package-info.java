/**
 * The durable copy of a node's keyspace on RocksDB: a checksummed write-ahead log of deltas with group commit,
 * incremental checkpoints of object states, and small replication metadata blobs. It deals only in bytes, so the
 * node maps its own types onto it; it depends on RocksDB, SLF4J and {@code io.calmdb.crdt} names, nothing else.
 */
package io.calmdb.server.storage;
