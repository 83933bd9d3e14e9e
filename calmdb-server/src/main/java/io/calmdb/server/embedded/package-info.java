/**
 * The embedded Java API: open a CalmDB node inside an application and use typed handles (counter, register, set,
 * map) with the same semantics and durability as the Redis commands. Depends only on the node package's public
 * surface ({@link io.calmdb.server.node.CalmNode}, {@link io.calmdb.server.node.NodeConfig}).
 */
package io.calmdb.server.embedded;
