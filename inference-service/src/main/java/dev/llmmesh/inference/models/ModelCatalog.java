package dev.llmmesh.inference.models;

import dev.llmmesh.inference.InferenceSettings;
import dev.llmmesh.inference.engine.ChunkSink;
import dev.llmmesh.inference.engine.CompletionErrors;
import dev.llmmesh.inference.engine.InferenceMetrics;
import dev.llmmesh.inference.engine.ModelEngine;
import dev.llmmesh.inference.kv.KvPrefixStore;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;
import dev.llmmesh.servicekit.models.ModelRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The models this replica serves, kept in step with {@code llm.models}: each announced one is known, and loaded (one
 * {@link ModelEngine} each) within the memory budget of {@link LoadPolicy}. A model is loaded at its announcement
 * when it fits (or is pinned), else by the first request for it, which is answered at once with
 * {@code model_loading} and a Retry-After, as is every request until it is ready; to make room, the least recently
 * used idle models are unloaded. Requests for a model loaded at announcement wait for it, as a replica that just
 * started answers the requests already waiting.
 */
@Singleton
public class ModelCatalog implements ModelRegistry.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);

    /** Where a request goes: to a model's engine, or answered at once with an error. */
    public sealed interface Route permits Serve, Refuse {
    }

    public record Serve(ModelEngine engine) implements Route {
    }

    public record Refuse(InferenceError error) implements Route {
    }

    /** A model's place in the listing: {@code unloaded}, {@code loading}, {@code ready} or {@code failed}. */
    public record Status(ModelAnnouncement announcement, String state, boolean pinned, ModelEngine engine) {
    }

    /** A known model; {@code engine} is null while it is not loaded. Guarded by the catalog. */
    private static final class Known {
        ModelAnnouncement announcement;
        ModelEngine engine;
        /** Its loading was started by a request: requests are told to come back rather than wait. */
        boolean onDemand;
        long lastUsedNanos;

        Known(ModelAnnouncement announcement) {
            this.announcement = announcement;
            this.lastUsedNanos = System.nanoTime();
        }
    }

    private final Map<String, Known> known = new HashMap<>();
    private final ModelLoader loader;
    private final InferenceSettings settings;
    private final ChunkSink sink;
    private final InferenceMetrics metrics;
    private final KvPrefixStore prefixStore;
    private final ModelRegistry registry;
    private final LoadPolicy policy;

    public ModelCatalog(ModelRegistry registry, LoadPolicy policy, ModelLoader loader, InferenceSettings settings,
                        ChunkSink sink, InferenceMetrics metrics, KvPrefixStore prefixStore) {
        this.registry = registry;
        this.policy = policy;
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

    /**
     * A model (re)announced: known from now on; loaded now if it is pinned, or fits and {@code load-on-announce} is
     * on, or its earlier files were loaded. Nothing changes when it is already known with the same files.
     */
    @Override
    public synchronized void announced(ModelAnnouncement announcement) {
        String id = announcement.modelId();
        if (!settings.serves(id)) {
            LOG.debug("model {} announced; not in llm.inference.models, not served here", id);
            return;
        }
        Known current = known.get(id);
        if (current != null && sameFiles(current.announcement, announcement)) {
            return;
        }
        Known model = new Known(announcement);
        known.put(id, model);
        boolean wasLoaded = current != null && current.engine != null;
        if (wasLoaded) {
            current.engine.retire();
        }
        if (wasLoaded || policy.pinned(id) || policy.loadOnAnnounce() && fitsWithoutUnloading(model)) {
            Optional<List<String>> room = room(model);
            if (room.isPresent()) {
                unload(room.get());
            } else {
                // Only a pinned or replaced model gets here: the operator asked for it to be served.
                LOG.warn("model {} is loaded beyond {} ({} MiB more than is free)", id, LoadPolicy.BUDGET,
                        policy.bytes(announcement) >> 20);
            }
            load(model, false);
        } else {
            LOG.info("model {} announced (artifact {}, tokenizer {}): loaded on its first request", id,
                    announcement.artifact(), announcement.tokenizerId());
        }
    }

    /** A tombstone on {@code llm.models}: answer what is running, take nothing new. */
    @Override
    public synchronized void withdrawn(String modelId) {
        Known model = known.remove(modelId);
        if (model != null) {
            LOG.info("model {} withdrawn", modelId);
            if (model.engine != null) {
                model.engine.retire();
            }
        }
    }

    /**
     * Where a request for {@code modelId} goes. A model that is not loaded starts loading (making room if it must)
     * and the request is answered {@code model_loading}, to be sent again after the Retry-After.
     */
    public synchronized Route route(String modelId) {
        Known model = modelId == null ? null : known.get(modelId);
        if (model == null) {
            return new Refuse(CompletionErrors.modelNotFound(modelId));
        }
        model.lastUsedNanos = System.nanoTime();
        ModelEngine engine = model.engine;
        if (engine != null && (engine.state() != ModelEngine.State.LOADING || !model.onDemand)) {
            return new Serve(engine);
        }
        int retryAfter = policy.retryAfterSeconds(model.announcement);
        if (engine != null) {
            return new Refuse(CompletionErrors.modelLoading(modelId, retryAfter, "it is being loaded"));
        }
        long bytes = policy.bytes(model.announcement);
        if (bytes > policy.budget()) {
            return new Refuse(CompletionErrors.modelTooLarge(modelId, bytes, policy.budget(), LoadPolicy.BUDGET));
        }
        Optional<List<String>> room = room(model);
        if (room.isEmpty()) {
            return new Refuse(CompletionErrors.modelLoading(modelId, retryAfter, "the models in use fill "
                    + LoadPolicy.BUDGET + " (" + (policy.budget() >> 20) + " MiB); it is loaded once one is idle"));
        }
        unload(room.get());
        load(model, true);
        return new Refuse(CompletionErrors.modelLoading(modelId, retryAfter, "its loading has started"));
    }

    private void load(Known model, boolean onDemand) {
        ModelAnnouncement announcement = model.announcement;
        model.onDemand = onDemand;
        model.engine = new ModelEngine(announcement, () -> loader.load(announcement), settings, sink, metrics,
                prefixStore).start();
        LOG.info("model {} (artifact {}, tokenizer {}, about {} MiB): loading{}", announcement.modelId(),
                announcement.artifact(), announcement.tokenizerId(), policy.bytes(announcement) >> 20,
                onDemand ? " for a request" : "");
    }

    private void unload(List<String> modelIds) {
        for (String id : modelIds) {
            Known model = known.get(id);
            LOG.info("model {} unloaded to make room (least recently used)", id);
            model.engine.retire();
            model.engine = null;
        }
    }

    /** The models to unload for {@code model} to fit; empty when it cannot fit now. */
    private Optional<List<String>> room(Known model) {
        return policy.unloadFor(policy.bytes(model.announcement), residents(model), System.nanoTime());
    }

    private boolean fitsWithoutUnloading(Known model) {
        return room(model).map(List::isEmpty).orElse(false);
    }

    private List<LoadPolicy.Resident> residents(Known except) {
        return known.values().stream()
                .filter(k -> k != except && k.engine != null && k.engine.state() != ModelEngine.State.FAILED
                        && k.engine.state() != ModelEngine.State.CLOSED)
                .map(k -> new LoadPolicy.Resident(k.announcement.modelId(), policy.bytes(k.announcement),
                        k.lastUsedNanos, policy.pinned(k.announcement.modelId()),
                        k.engine.state() == ModelEngine.State.LOADING || k.engine.activeRequests() > 0))
                .toList();
    }

    /** The engine of a loaded (or loading) model. */
    public synchronized Optional<ModelEngine> find(String modelId) {
        return Optional.ofNullable(modelId == null ? null : known.get(modelId)).map(k -> k.engine);
    }

    /** Engines of the models loaded now. */
    public synchronized Collection<ModelEngine> all() {
        return known.values().stream().map(k -> k.engine).filter(Objects::nonNull).toList();
    }

    /** Every known model with its state, sorted by id, for listings. */
    public synchronized List<Status> listing() {
        return known.values().stream()
                .sorted(Comparator.comparing(k -> k.announcement.modelId()))
                .map(k -> new Status(k.announcement, k.engine == null || k.engine.state() == ModelEngine.State.CLOSED
                        ? "unloaded" : k.engine.state().name().toLowerCase(Locale.ROOT),
                        policy.pinned(k.announcement.modelId()), k.engine))
                .toList();
    }

    private static boolean sameFiles(ModelAnnouncement a, ModelAnnouncement b) {
        return Objects.equals(a.artifact(), b.artifact()) && Objects.equals(a.tokenizerId(), b.tokenizerId())
                && Objects.equals(a.createdAt(), b.createdAt());
    }

    @PreDestroy
    synchronized void close() {
        registry.unsubscribe(this);
        known.values().stream().map(k -> k.engine).filter(Objects::nonNull).forEach(ModelEngine::close);
        known.clear();
    }
}
