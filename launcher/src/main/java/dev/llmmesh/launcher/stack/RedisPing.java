package dev.llmmesh.launcher.stack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** PING in Redis's inline protocol: no client library for one round trip. */
public final class RedisPing implements HealthCheck {
    private final int port;

    public RedisPing(int port) {
        this.port = port;
    }

    @Override
    public boolean healthy() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(Ports.HOST, port), 1_000);
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            return "+PONG".equals(in.readLine());
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String describe() {
        return "Redis PING on " + Ports.HOST + ":" + port;
    }
}
