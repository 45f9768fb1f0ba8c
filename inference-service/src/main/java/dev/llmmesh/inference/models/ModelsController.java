package dev.llmmesh.inference.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.llmmesh.inference.engine.ModelEngine;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

import java.util.List;

/** What this replica serves, in the shape of OpenAI's model list, with each model's loading state. */
@Controller("/v1/models")
public class ModelsController {
    private final ModelCatalog catalog;

    public ModelsController(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    @Get
    public ModelList list() {
        return new ModelList("list", catalog.listing().stream().map(ModelsController::entry).toList());
    }

    static ModelEntry entry(ModelCatalog.Status status) {
        var a = status.announcement();
        ModelEngine engine = status.engine();
        boolean loaded = engine != null && "ready".equals(status.state());
        return new ModelEntry(a.modelId(), "model", a.createdAt() == null ? 0 : a.createdAt().getEpochSecond(),
                "llm-mesh", a.kind().wireName(), a.parent(), a.adapter(), a.quantization(), a.tokenizerId(),
                status.state(), status.pinned(), loaded ? engine.capacity() : null,
                engine == null ? 0 : engine.activeRequests(), engine == null ? null : engine.failure());
    }

    /** {@code data} is written even when empty: clients read it unconditionally. */
    public record ModelList(String object, @JsonInclude(JsonInclude.Include.ALWAYS) List<ModelEntry> data) {
    }

    /**
     * The gateway's names for what both list (see the README's names table), then this replica's own.
     *
     * @param created   seconds since the epoch, as OpenAI writes it (0 when unknown, as the gateway writes it)
     * @param state     {@code unloaded}, {@code loading}, {@code ready} or {@code failed}
     * @param pinned    in {@code llm.inference.pinned-models}: loaded at announcement, never unloaded
     * @param capacity  positions per sequence (prompt + completion) once loaded
     * @param active    requests being answered now
     * @param failure   why loading failed
     */
    public record ModelEntry(String id, String object, long created, @JsonProperty("owned_by") String ownedBy,
                             String kind, String parent, boolean adapter, String quantization,
                             @JsonProperty("tokenizer_id") String tokenizerId, String state, boolean pinned,
                             Integer capacity, int active, String failure) {
    }
}
