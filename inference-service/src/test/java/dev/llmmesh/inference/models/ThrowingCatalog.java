package dev.llmmesh.inference.models;

import dev.llmmesh.inference.InferenceSettings;
import dev.llmmesh.inference.engine.ChunkSink;
import dev.llmmesh.inference.engine.InferenceMetrics;
import dev.llmmesh.inference.kv.KvPrefixStore;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;

/**
 * The catalog, except that routing to one model ({@code llm.test.throwing-model}) throws, as a bug in routing would:
 * the only way a test reaches the request consumer's last net, since everything a request may hold is checked
 * before. Only in tests that set the property.
 */
@Singleton
@Replaces(ModelCatalog.class)
@Requires(property = ThrowingCatalog.PROPERTY)
public class ThrowingCatalog extends ModelCatalog {
    public static final String PROPERTY = "llm.test.throwing-model";

    private final String throwing;

    ThrowingCatalog(ModelRegistry registry, LoadPolicy policy, ModelLoader loader, InferenceSettings settings,
                    ChunkSink sink, InferenceMetrics metrics, KvPrefixStore prefixStore,
                    @Value("${" + PROPERTY + "}") String throwing) {
        super(registry, policy, loader, settings, sink, metrics, prefixStore);
        this.throwing = throwing;
    }

    @Override
    public Route route(String modelId) {
        if (throwing.equals(modelId)) {
            throw new IllegalStateException("a routing bug that model " + modelId + " finds");
        }
        return super.route(modelId);
    }
}
