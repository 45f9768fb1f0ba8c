package dev.llmmesh.launcher.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A Micronaut service is healthy when its management endpoint answers 200 (503 means a dependency is down). */
public final class HttpHealth implements HealthCheck {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final URI uri;

    public HttpHealth(int port) {
        this.uri = URI.create("http://" + Ports.HOST + ":" + port + "/health");
    }

    @Override
    public boolean healthy() {
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).GET().build();
            return CLIENT.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String describe() {
        return "GET " + uri + " == 200";
    }
}
