/**
 * The Redis-protocol (RESP2 and RESP3) front door: request decoding with named bounds, reply encoding,
 * the command table, connection commands, ordered asynchronous replies, and the Netty server.
 * It depends on Netty and SLF4J only; the node plugs its data commands in through {@link io.calmdb.server.resp.CommandHandler}.
 */
package io.calmdb.server.resp;
