package io.calmdb.server.resp;

import java.net.SocketAddress;

/**
 * One client connection, as a {@link CommandHandler} sees it.
 *
 * <p>The front door owns the connection's protocol state (protocol version, name, selected database); the handler
 * may read it and may keep its own per-connection state in the {@linkplain #attachment() attachment}, for example
 * the highest write sequence number {@code WAIT} must wait for. Methods may be called from any thread; the
 * attachment is read and written on the connection's event-loop thread unless the handler arranges otherwise.
 */
public interface Connection {
  /** A number unique among the server's connections since it started, as {@code CLIENT ID} reports it. */
  long id();

  /** The name set by {@code CLIENT SETNAME} or {@code HELLO ... SETNAME}, or null. */
  String name();

  /** The ACL user this connection is authenticated as, or null before it is. */
  String user();

  /** 2 or 3: the RESP version this connection speaks now. */
  int protocolVersion();

  /** The client's address. */
  SocketAddress remoteAddress();

  /** The handler's own state for this connection, or null; cleared by {@code RESET}. */
  Object attachment();

  /** Replaces the handler's own state for this connection. */
  void attach(Object attachment);
}
