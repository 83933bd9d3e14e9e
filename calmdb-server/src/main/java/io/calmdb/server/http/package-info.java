/**
 * The node's HTTP API (Javalin): JSON reads and writes of every type, per-replica key state, cluster and link
 * state with partition control, Prometheus metrics and health. It talks to the node only through
 * {@link io.calmdb.server.node.CalmNode}'s and {@link io.calmdb.server.node.NodeMetrics}'
 * public methods and may depend on the node, storage and transport packages.
 */
package io.calmdb.server.http;
