package dev.llmmesh.launcher.stack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The broker is healthy when it answers describeCluster with at least one node: an open port alone is
 * not enough, KRaft accepts connections before the controller has elected itself.
 */
public final class KafkaHealth implements HealthCheck {
    private final String bootstrap;
    private final int port;

    public KafkaHealth(String bootstrap, int port) {
        this.bootstrap = bootstrap;
        this.port = port;
    }

    @Override
    public boolean healthy() {
        // Skips building an admin client (and its retries) while nothing listens yet.
        if (!Ports.listening(port)) {
            return false;
        }
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        Admin admin = null;
        try {
            admin = Admin.create(config);
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        } finally {
            if (admin != null) {
                // The default close waits for pending calls without limit; a health check must not.
                admin.close(Duration.ofSeconds(1));
            }
        }
    }

    @Override
    public String describe() {
        return "Kafka describeCluster on " + bootstrap;
    }
}
