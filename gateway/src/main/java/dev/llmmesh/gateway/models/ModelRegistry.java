package dev.llmmesh.gateway.models;

import dev.llmmesh.mesh.ModelAnnouncement;
import jakarta.inject.Singleton;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Published models, as announced on the compacted {@code llm.models} topic. */
@Singleton
public class ModelRegistry {
    private final ConcurrentMap<String, ModelAnnouncement> models = new ConcurrentHashMap<>();

    void put(ModelAnnouncement model) {
        models.put(model.modelId(), model);
    }

    /** A tombstone: the model was withdrawn. */
    void remove(String modelId) {
        models.remove(modelId);
    }

    public Optional<ModelAnnouncement> find(String modelId) {
        return Optional.ofNullable(models.get(modelId));
    }

    /** Newest first. */
    public List<ModelAnnouncement> all() {
        return models.values().stream()
                .sorted(Comparator.comparing(ModelAnnouncement::createdAt,
                        Comparator.nullsLast(Comparator.reverseOrder())))
                .toList();
    }
}
