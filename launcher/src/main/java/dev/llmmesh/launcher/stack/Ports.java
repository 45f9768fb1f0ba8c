package dev.llmmesh.launcher.stack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** The fixed local ports of the stack, the same ones docker-compose publishes. */
public final class Ports {
    public static final String HOST = "localhost";
    /** For a server that must not be reachable from other machines. */
    public static final String LOOPBACK = "127.0.0.1";
    public static final int KAFKA = 9092;
    public static final int KAFKA_CONTROLLER = 9093;
    public static final int REDIS = 6379;
    public static final String KAFKA_BOOTSTRAP = HOST + ":" + KAFKA;
    public static final String REDIS_URI = "redis://" + HOST + ":" + REDIS;

    private Ports() {
    }

    /** Whether something accepts connections on the port; a cheap first test before a real health check. */
    public static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
