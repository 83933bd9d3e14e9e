package io.calmdb.server.resp;

import java.util.Locale;

/**
 * The command flags Redis reports in {@code COMMAND INFO}, with the same names, so clients that route or retry by
 * flag (cluster clients sending {@code readonly} commands to replicas, {@code redis-cli} hints) behave as with Redis.
 * The front door itself reads none of them; they describe commands to clients and to the node.
 */
public enum CommandFlag {
  /** The command may modify the keyspace. */
  WRITE,
  /** The command only reads the keyspace. */
  READONLY,
  /** The command may grow memory use and should be refused when memory is exhausted. */
  DENYOOM,
  /** An administrative command. */
  ADMIN,
  /** A publish/subscribe command. */
  PUBSUB,
  /** Not allowed from scripts. */
  NOSCRIPT,
  /** The command may block the client. */
  BLOCKING,
  /** Allowed while the node loads its data. */
  LOADING,
  /** Allowed while the node's replica data may be stale. */
  STALE,
  /** The command runs in constant or logarithmic time. */
  FAST,
  /** Allowed before the client authenticates. */
  NO_AUTH,
  /** Key positions cannot be found from first, last and step alone. */
  MOVABLEKEYS,
  /** Not allowed inside MULTI. */
  NO_MULTI;

  /** The lower-case name Redis uses in {@code COMMAND} replies, such as {@code "no_auth"}. */
  public String redisName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
