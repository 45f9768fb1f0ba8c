package dev.llmmesh.gateway.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.servicekit.http.ProblemException;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.List;
import java.util.Map;

/** Published models in OpenAI's list format, with what llm-mesh knows about each beside OpenAI's fields. */
@Controller("/v1/models")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "models")
public class ModelsController {
    private final ModelRegistry registry;

    public ModelsController(ModelRegistry registry) {
        this.registry = registry;
    }

    /**
     * OpenAI's model object ({@code id, object, created, owned_by}) plus ours, in OpenAI's snake case.
     *
     * @param parent   the model it came from (an adapter's base), null for one trained from scratch
     * @param datasets the datasets it was trained on, by split
     * @param labels   a classifier's class names, index i being its head's output i; absent for other kinds
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Model(String id, String object, long created, @JsonProperty("owned_by") String ownedBy,
                        @Schema(allowableValues = {"base", "classifier", "chat"}) String kind,
                        @JsonInclude(JsonInclude.Include.ALWAYS) String parent, boolean adapter,
                        @JsonInclude(JsonInclude.Include.ALWAYS) @Schema(nullable = true, allowableValues = {"int8"})
                        String quantization,
                        @JsonProperty("tokenizer_id") String tokenizerId, Map<String, Double> metrics,
                        Map<String, Object> config, String artifact, @JsonProperty("job_id") String jobId,
                        Map<String, String> datasets,
                        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> labels) {
        public static Model of(ModelAnnouncement a) {
            return new Model(a.modelId(), "model", a.createdAt() == null ? 0 : a.createdAt().getEpochSecond(),
                    "llm-mesh", a.kind().wireName(), a.parent(), a.adapter(), a.quantization(), a.tokenizerId(),
                    a.metrics(), a.config(), a.artifact(), a.jobId(), a.datasets(), a.labels());
        }
    }

    public record ModelList(String object, List<Model> data) {
    }

    @Get
    @Operation(summary = "Published models, newest first (OpenAI list format), optionally of one kind")
    @ProblemErrors
    public ModelList list(@QueryValue @Nullable @Schema(allowableValues = {"base", "classifier", "chat"})
                          String kind) throws InterruptedException {
        ModelKind wanted = null;
        if (kind != null) {
            try {
                wanted = ModelKind.of(kind);
            } catch (IllegalArgumentException e) {
                throw ProblemException.badField("kind", e.getMessage());
            }
        }
        registry.awaitCaughtUp(ModelRegistry.CATCH_UP);
        ModelKind only = wanted;
        return new ModelList("list", registry.all().stream().filter(m -> only == null || m.kind() == only)
                .map(Model::of).toList());
    }

    @Get("/{id}")
    @ProblemErrors
    public Model get(@PathVariable String id) throws InterruptedException {
        return registry.find(id, ModelRegistry.CATCH_UP).map(Model::of).orElseThrow(() -> notFound(id));
    }

    /** The 404 of every route under {@code /v1/models/{id}}. */
    public static ProblemException notFound(String id) {
        return new ProblemException(HttpStatus.NOT_FOUND, "id", "no model '" + id + "'; GET /v1/models lists the "
                + "published ones");
    }
}
