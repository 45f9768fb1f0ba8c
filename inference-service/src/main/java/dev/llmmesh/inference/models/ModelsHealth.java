package dev.llmmesh.inference.models;

import dev.llmmesh.inference.requests.RequestConsumer;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /health} names the models served and their state. UP once the registry is read and requests are taken;
 * a model that failed to load does not make the replica DOWN (the others still serve; its requests get a 503).
 */
@Singleton
public class ModelsHealth implements HealthIndicator {
    private final ModelCatalog catalog;
    private final ModelRegistry registry;
    private final RequestConsumer requests;

    public ModelsHealth(ModelCatalog catalog, ModelRegistry registry, RequestConsumer requests) {
        this.catalog = catalog;
        this.registry = registry;
        this.requests = requests;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        Map<String, Object> models = new LinkedHashMap<>();
        for (ModelCatalog.Status model : catalog.listing()) {
            models.put(model.announcement().modelId(), model.state());
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("models", models);
        details.put("registryRead", registry.caughtUp());
        details.put("takingRequests", requests.subscribed());
        details.put("partitions", requests.ownedPartitions());
        details.put("unanswered", requests.unanswered());
        HealthStatus status = registry.caughtUp() && requests.subscribed() ? HealthStatus.UP : HealthStatus.DOWN;
        return Publishers.just(HealthResult.builder("inference", status).details(details).build());
    }
}
