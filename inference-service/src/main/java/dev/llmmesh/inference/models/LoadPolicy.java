package dev.llmmesh.inference.models;

import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.inference.InferenceSettings;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.jobs.MemoryBudget;
import dev.llmmesh.servicekit.DeviceMemory;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.convert.format.ReadableBytes;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which models a replica holds in memory: what each needs ({@link #bytes}), the budget they share
 * ({@code llm.inference.memory-budget}), the ones never unloaded ({@code llm.inference.pinned-models}), whether a
 * model is loaded as soon as it is announced while it fits ({@code llm.inference.load-on-announce}), and which idle
 * models make room for another, least recently used first ({@link #unloadFor}).
 */
@Singleton
public class LoadPolicy {
    static final String BUDGET = "llm.inference.memory-budget";
    private static final Logger LOG = LoggerFactory.getLogger(LoadPolicy.class);
    /** A model used this recently may have a request on its way to its engine, not counted as active yet. */
    static final long IDLE_NANOS = 2_000_000_000L;

    private final long configured;
    private final Set<String> pinned;
    private final boolean loadOnAnnounce;
    private final InferenceSettings settings;
    private volatile Long budget;

    public LoadPolicy(@Value("${" + BUDGET + ":0}") @ReadableBytes long budget,
                      @Value("${llm.inference.pinned-models:}") List<String> pinned,
                      @Value("${llm.inference.load-on-announce:true}") boolean loadOnAnnounce,
                      InferenceSettings settings) {
        this.configured = budget;
        this.pinned = pinned.stream().map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        this.loadOnAnnounce = loadOnAnnounce;
        this.settings = settings;
    }

    /** Bytes the loaded models may take together; derived from the device on first use when not configured. */
    public long budget() {
        Long b = budget;
        if (b == null) {
            MemoryBudget derived = DeviceMemory.budget(configured, BUDGET);
            b = derived.bytes();
            LOG.info("loaded models may take {} MiB together ({})", b >> 20, derived.source());
            budget = b;
        }
        return b;
    }

    public boolean pinned(String modelId) {
        return pinned.contains(modelId);
    }

    public boolean loadOnAnnounce() {
        return loadOnAnnounce;
    }

    /**
     * What the model takes once loaded: its weights (4 bytes a parameter, 1 when int8) and the KV cache of its
     * {@code max-sequences} slots at its capacity. 0 when its record has no readable shape: such a model is not
     * budgeted (its loading will fail and say why).
     */
    public long bytes(ModelAnnouncement model) {
        return shape(model).map(c -> weightBytes(model, c) + kvBytes(c)).orElse(0L);
    }

    /** An estimate of the loading time, for Retry-After: 2 s plus 1 s per 256 MiB of weights. */
    public int retryAfterSeconds(ModelAnnouncement model) {
        long weights = shape(model).map(c -> weightBytes(model, c)).orElse(0L);
        return (int) Math.min(120, 2 + weights / (256L << 20));
    }

    private static long weightBytes(ModelAnnouncement model, GptConfig config) {
        return config.parameterCount() * (ModelAnnouncement.INT8.equals(model.quantization()) ? 1 : 4);
    }

    private long kvBytes(GptConfig config) {
        int capacity = settings.capacity() == 0 ? config.contextLength()
                : Math.min(settings.capacity(), config.contextLength());
        // keys and values, float32, per layer and slot
        return 2L * 4 * config.layers() * settings.maxSequences() * capacity * config.embedDim();
    }

    private static Optional<GptConfig> shape(ModelAnnouncement model) {
        try {
            return Optional.of(Json.LENIENT.convertValue(model.config(), GptConfig.class));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A loaded model as the choice of what to unload sees it. */
    public record Resident(String modelId, long bytes, long lastUsedNanos, boolean pinned, boolean busy) {
    }

    /**
     * The models to unload so that {@code needed} more bytes fit: idle, unpinned ones, least recently used first,
     * as few as it takes. Empty when even unloading all of them would not make room (now).
     */
    public Optional<List<String>> unloadFor(long needed, List<Resident> resident, long nowNanos) {
        long used = resident.stream().mapToLong(Resident::bytes).sum();
        long over = used + needed - budget();
        List<String> unload = new ArrayList<>();
        List<Resident> candidates = resident.stream()
                .filter(r -> !r.pinned() && !r.busy() && nowNanos - r.lastUsedNanos() >= IDLE_NANOS)
                .sorted(Comparator.comparingLong(Resident::lastUsedNanos)).toList();
        for (Resident r : candidates) {
            if (over <= 0) {
                break;
            }
            unload.add(r.modelId());
            over -= r.bytes();
        }
        return over <= 0 ? Optional.of(unload) : Optional.empty();
    }
}
