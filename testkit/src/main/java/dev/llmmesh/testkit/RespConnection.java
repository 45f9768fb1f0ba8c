package dev.llmmesh.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Just enough of the Redis wire protocol (RESP2) to probe a server and run simple commands.
 *
 * <p>It exists so the testkit does not drag a Redis client library onto every consumer's test
 * classpath, where it could clash with the Lettuce version the services use.
 */
final class RespConnection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RespConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Opens a connection whose connect and every read give up after {@code timeout}. */
    static RespConnection open(String host, int port, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            return new RespConnection(socket);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Sends one command and returns its reply: simple strings and integers as text, bulk strings
     * as text or {@code null}. Server errors become {@link IllegalStateException}s.
     */
    String command(String... arguments) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        writeLine(request, "*" + arguments.length);
        for (String argument : arguments) {
            byte[] bytes = argument.getBytes(StandardCharsets.UTF_8);
            writeLine(request, "$" + bytes.length);
            request.write(bytes);
            writeLine(request, "");
        }
        out.write(request.toByteArray());
        out.flush();
        return readReply();
    }

    private String readReply() throws IOException {
        String line = readLine();
        if (line.isEmpty()) {
            throw new IOException("empty RESP reply");
        }
        String payload = line.substring(1);
        return switch (line.charAt(0)) {
            case '+', ':' -> payload;
            case '-' -> throw new IllegalStateException("Redis error: " + payload);
            case '$' -> readBulk(Integer.parseInt(payload));
            default -> throw new IOException("unsupported RESP reply: " + line);
        };
    }

    private String readBulk(int length) throws IOException {
        if (length < 0) {
            return null;
        }
        byte[] data = in.readNBytes(length);
        if (data.length < length) {
            throw new EOFException("connection closed inside a bulk reply");
        }
        readLine(); // the CRLF that terminates every bulk string
        return new String(data, StandardCharsets.UTF_8);
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed before the reply ended");
            }
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            line.write(b);
            previous = b;
        }
    }

    private static void writeLine(ByteArrayOutputStream target, String text) {
        target.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        target.write('\r');
        target.write('\n');
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
