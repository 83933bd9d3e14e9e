/**
 * The keyspace a replica serves: Redis-style typed keys (strings and counters, sets, hashes) mapped onto the
 * causal CRDTs of {@code io.calmdb.crdt}, with every write returning the delta to make durable and replicate.
 * Sans-IO: depends only on {@code calmdb-crdt}; callers pass the current time in.
 */
package io.calmdb.replication.keyspace;
