package dev.llmmesh.inference.models;

import dev.llmmesh.inference.InferenceSettings;
import dev.llmmesh.inference.engine.ChunkSink;
import dev.llmmesh.inference.engine.InferenceMetrics;
import dev.llmmesh.inference.engine.ModelEngine;
import dev.llmmesh.inference.kv.KvPrefixStore;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.servicekit.models.ModelRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** The models this replica serves, one {@link ModelEngine} each, kept in step with {@code llm.models}. */
@Singleton
public class ModelCatalog implements ModelRegistry.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);

    private final ConcurrentMap<String, ModelEngine> engines = new ConcurrentHashMap<>();
    private final ModelLoader loader;
    private final InferenceSettings settings;
    private final ChunkSink sink;
    private final InferenceMetrics metrics;
    private final KvPrefixStore prefixStore;
    private final ModelRegistry registry;

    public ModelCatalog(ModelRegistry registry, ModelLoader loader, InferenceSettings settings, ChunkSink sink,
                        InferenceMetrics metrics, KvPrefixStore prefixStore) {
        this.registry = registry;
        this.loader = loader;
        this.prefixStore = prefixStore;
        this.metrics = metrics;
        this.settings = settings;
        this.sink = sink;
    }

    /** Follows the registry: what it knows now, then every change. */
    @PostConstruct
    void follow() {
        registry.subscribe(this);
    }

    /** A model (re)announced: start loading it, unless it is not ours or already served from the same files. */
    @Override
    public void announced(ModelAnnouncement announcement) {
        String id = announcement.modelId();
        if (!settings.serves(id)) {
            LOG.debug("model {} announced; not in llm.inference.models, not served here", id);
            return;
        }
        ModelEngine current = engines.get(id);
        if (current != null && sameFiles(current.announcement(), announcement)) {
            return;
        }
        ModelEngine engine = new ModelEngine(announcement, () -> loader.load(announcement), settings, sink, metrics,
                prefixStore)
                .start();
        ModelEngine replaced = engines.put(id, engine);
        LOG.info("model {} announced (artifact {}, tokenizer {}): loading", id, announcement.artifact(),
                announcement.tokenizerId());
        if (replaced != null) {
            replaced.retire();
        }
    }

    /** A tombstone on {@code llm.models}: answer what is running, take nothing new. */
    @Override
    public void withdrawn(String modelId) {
        ModelEngine engine = engines.remove(modelId);
        if (engine != null) {
            LOG.info("model {} withdrawn", modelId);
            engine.retire();
        }
    }

    public Optional<ModelEngine> find(String modelId) {
        return modelId == null ? Optional.empty() : Optional.ofNullable(engines.get(modelId));
    }

    public Collection<ModelEngine> all() {
        return engines.values();
    }

    /** Sorted by model id, for listings. */
    public List<ModelEngine> listing() {
        return engines.values().stream().sorted(Comparator.comparing(e -> e.announcement().modelId())).toList();
    }

    private static boolean sameFiles(ModelAnnouncement a, ModelAnnouncement b) {
        return Objects.equals(a.artifact(), b.artifact()) && Objects.equals(a.tokenizerId(), b.tokenizerId())
                && Objects.equals(a.createdAt(), b.createdAt());
    }

    @PreDestroy
    void close() {
        registry.unsubscribe(this);
        engines.values().forEach(ModelEngine::close);
        engines.clear();
    }
}
