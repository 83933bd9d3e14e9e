package io.calmdb.server.compat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * TEST FIXTURE: the smallest RESP2 client that can compare two servers: it sends a command as an array of bulk
 * strings and reads one reply into a {@link RespValue}. Every read is bounded by {@link #READ_TIMEOUT_MILLIS}.
 */
final class RespFrameClient implements AutoCloseable {
    static final int READ_TIMEOUT_MILLIS = 10_000;
    /** The largest bulk string or array this client accepts in a reply. */
    static final int REPLY_LENGTH_MAX = 64 * 1024 * 1024;

    private final Socket socket;
    private final InputStream input;
    private final OutputStream output;

    RespFrameClient(int port) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MILLIS);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        input = new BufferedInputStream(socket.getInputStream());
        output = new BufferedOutputStream(socket.getOutputStream());
    }

    /** Sends one command and reads its reply. */
    RespValue call(List<byte[]> arguments) throws IOException {
        byte[] crlf = {'\r', '\n'};
        output.write(("*" + arguments.size()).getBytes(StandardCharsets.US_ASCII));
        output.write(crlf);
        for (byte[] argument : arguments) {
            output.write(("$" + argument.length).getBytes(StandardCharsets.US_ASCII));
            output.write(crlf);
            output.write(argument);
            output.write(crlf);
        }
        output.flush();
        return read();
    }

    RespValue call(String... arguments) throws IOException {
        List<byte[]> bytes = new ArrayList<>();
        for (String argument : arguments) {
            bytes.add(argument.getBytes(StandardCharsets.UTF_8));
        }
        return call(bytes);
    }

    private RespValue read() throws IOException {
        int marker = input.read();
        if (marker < 0) {
            throw new IOException("connection closed by the server");
        }
        String line = readLine();
        switch (marker) {
            case '+':
                return new RespValue.Simple(line);
            case '-':
                return new RespValue.Error(line);
            case ':':
                return new RespValue.Integer(Long.parseLong(line));
            case '$': {
                int length = length(line);
                if (length < 0) {
                    return new RespValue.Bulk(null);
                }
                byte[] payload = input.readNBytes(length);
                if (payload.length != length || input.read() != '\r' || input.read() != '\n') {
                    throw new IOException("bulk string of " + length + " bytes not followed by CRLF");
                }
                return new RespValue.Bulk(payload);
            }
            case '*': {
                int count = length(line);
                if (count < 0) {
                    return new RespValue.Array(null);
                }
                List<RespValue> elements = new ArrayList<>(count);
                for (int index = 0; index < count; index++) {
                    elements.add(read());
                }
                return new RespValue.Array(elements);
            }
            default:
                throw new IOException("unexpected RESP2 reply marker '" + (char) marker + "'");
        }
    }

    private static int length(String line) throws IOException {
        int length = Integer.parseInt(line);
        if (length > REPLY_LENGTH_MAX) {
            throw new IOException("reply length " + length + " exceeds " + REPLY_LENGTH_MAX);
        }
        return length;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int next = input.read();
            if (next < 0) {
                throw new IOException("connection closed in the middle of a reply line");
            }
            if (next == '\r') {
                if (input.read() != '\n') {
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
