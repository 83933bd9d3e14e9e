package io.calmdb.server.resp;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * TEST FIXTURE: a plain loopback socket that sends arbitrary bytes and reads RESP replies back as text, so tests can
 * speak to the server exactly as a hostile or broken client would. Every read is bounded by a five-second timeout.
 */
final class RawRespClient implements AutoCloseable {
  static final int READ_TIMEOUT_MILLIS = 5_000;

  private final Socket socket;
  private final InputStream input;
  private final OutputStream output;

  RawRespClient(int port) throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MILLIS);
    socket.setSoTimeout(READ_TIMEOUT_MILLIS);
    input = new BufferedInputStream(socket.getInputStream());
    output = socket.getOutputStream();
  }

  void send(String text) throws IOException {
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  void send(byte[] bytes) throws IOException {
    output.write(bytes);
    output.flush();
  }

  /** Sends the command as a RESP multibulk request. */
  void command(String... arguments) throws IOException {
    StringBuilder request = new StringBuilder("*").append(arguments.length).append("\r\n");
    for (String argument : arguments) {
      byte[] bytes = argument.getBytes(StandardCharsets.UTF_8);
      request.append('$').append(bytes.length).append("\r\n").append(argument).append("\r\n");
    }
    send(request.toString());
  }

  /**
   * Reads one reply and renders it as text: {@code +OK}, {@code -ERR ...}, {@code :5}, {@code $value},
   * {@code $nil}, {@code _}, {@code #t}, {@code ,1.5}, and aggregates as {@code *[a, b]}, {@code %[k, v]},
   * {@code ~[a]}.
   */
  String readReply() throws IOException {
    int marker = input.read();
    if (marker < 0) {
      throw new IOException("connection closed by the server");
    }
    String line = readLine();
    switch (marker) {
      case '+', '-', ':', '_', '#', ',':
        return (char) marker + line;
      case '$': {
        int length = Integer.parseInt(line);
        if (length < 0) {
          return "$nil";
        }
        byte[] payload = input.readNBytes(length + 2);
        return "$" + new String(payload, 0, length, StandardCharsets.UTF_8);
      }
      case '*', '%', '~': {
        int count = Integer.parseInt(line);
        if (count < 0) {
          return "*nil";
        }
        int elements = marker == '%' ? count * 2 : count;
        StringBuilder text = new StringBuilder().append((char) marker).append('[');
        for (int index = 0; index < elements; index++) {
          text.append(index == 0 ? "" : ", ").append(readReply());
        }
        return text.append(']').toString();
      }
      default:
        throw new IOException("unexpected reply marker " + marker);
    }
  }

  /** Waits (at most the read timeout) for the server to close the connection; true if it did. */
  boolean closedByServer() throws IOException {
    try {
      while (true) {
        if (input.read() < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }

  /** Reads and discards everything until the server closes the connection or the read timeout elapses. */
  void drainUntilClosed() throws IOException {
    closedByServer();
  }

  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int next = input.read();
      if (next < 0) {
        throw new IOException("connection closed in the middle of a reply line");
      }
      if (next == '\r') {
        int lineFeed = input.read();
        if (lineFeed != '\n') {
          throw new IOException("CR not followed by LF in a reply line");
        }
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(next);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
