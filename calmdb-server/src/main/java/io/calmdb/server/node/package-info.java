/**
 * The CalmDB node: the keyspace with its durable copy, replication over real links, and the Redis data commands,
 * each declared once in {@code CommandRegistry}, all driven from one keyspace thread through
 * {@link io.calmdb.server.node.CalmNode#apply}. Depends on the sans-IO cores (calmdb-crdt, calmdb-replication) and
 * on the server's storage, transport and RESP packages, never on the HTTP package (which depends on it; a test keeps
 * it so). It serves RESP itself; {@link io.calmdb.server.CalmServer} adds the HTTP API.
 */
package io.calmdb.server.node;
