package io.calmdb.server.resp;

/**
 * A request that breaks the protocol or one of its bounds. The front door answers it with
 * {@code -ERR Protocol error: <detail>} and closes the connection, because after a framing error the position of
 * the next command in the byte stream is unknown.
 */
final class RespProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  RespProtocolException(String detail) {
    super(detail, null, false, false);
  }
}
