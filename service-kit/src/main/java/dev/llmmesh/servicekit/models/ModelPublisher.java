package dev.llmmesh.servicekit.models;

import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.servicekit.MeshProducer;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a service publishes models on {@code llm.models}: each call returns once the broker has the record
 * (acks=all), so a job reports a model as published only when every reader can see it.
 */
@Singleton
public class ModelPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(ModelPublisher.class);

    private final MeshProducer producer;

    public ModelPublisher(MeshProducer producer) {
        this.producer = producer;
    }

    /** Publishes a model, or replaces the record of one published before under the same id. */
    public void announce(ModelAnnouncement model) {
        producer.send(Topics.MODELS, model.modelId(), Json.bytes(model));
        LOG.info("model {} announced ({} {}, artifact {})", model.modelId(), model.kind().wireName(),
                model.adapter() ? "adapter of " + model.parent() : "model", model.artifact());
    }

    /** A tombstone: every reader forgets the model; compaction removes its record. Its files stay where they are. */
    public void withdraw(String modelId) {
        producer.send(Topics.MODELS, modelId, null);
        LOG.info("model {} withdrawn", modelId);
    }
}
