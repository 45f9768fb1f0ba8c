package dev.llmmesh.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** One HTTP/1.1 request over a plain socket, for request lines java.net.URI refuses to build (a lone '%'). */
final class RawHttp {
    private RawHttp() {
    }

    static MalformedInputTest.Answer send(String host, int port, String method, String path, String contentType,
                                          byte[] body, Duration timeout) throws IOException {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                    + "\r\nConnection: close\r\n");
            if (contentType != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            String response = new String(readAll(socket.getInputStream()), StandardCharsets.UTF_8);
            int headEnd = response.indexOf("\r\n\r\n");
            String[] lines = response.substring(0, Math.max(headEnd, 0)).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            String type = "";
            for (String line : lines) {
                if (line.toLowerCase().startsWith("content-type:")) {
                    type = line.substring("content-type:".length()).trim();
                }
            }
            return new MalformedInputTest.Answer(status, type, response.substring(headEnd + 4));
        } catch (SocketTimeoutException e) {
            throw new HttpTimeoutException("no answer within " + timeout);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
