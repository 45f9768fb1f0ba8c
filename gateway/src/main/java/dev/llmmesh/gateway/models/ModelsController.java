package dev.llmmesh.gateway.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.List;
import java.util.Map;

/** Published models in OpenAI's list format, with what llm-mesh knows about each beside OpenAI's fields. */
@Controller("/v1/models")
@Tag(name = "models")
public class ModelsController {
    private final ModelRegistry registry;

    public ModelsController(ModelRegistry registry) {
        this.registry = registry;
    }

    /** OpenAI's model object ({@code id, object, created, owned_by}) plus ours. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Model(String id, String object, long created, @JsonProperty("owned_by") String ownedBy,
                        @JsonProperty("tokenizer_id") String tokenizerId, Map<String, Object> config,
                        String artifact, @JsonProperty("parent_model") String parentModel,
                        @JsonProperty("job_id") String jobId, Map<String, Double> metrics) {
        static Model of(ModelAnnouncement a) {
            return new Model(a.modelId(), "model", a.createdAt() == null ? 0 : a.createdAt().getEpochSecond(),
                    "llm-mesh", a.tokenizerId(), a.config(), a.artifact(), a.parentModel(), a.jobId(), a.metrics());
        }
    }

    public record ModelList(String object, List<Model> data) {
    }

    @Get
    @Operation(summary = "Published models (OpenAI list format)")
    @ProblemErrors
    public ModelList list() {
        return new ModelList("list", registry.all().stream().map(Model::of).toList());
    }

    @Get("/{id}")
    @ProblemErrors
    public Model get(@PathVariable String id) {
        return registry.find(id).map(Model::of).orElseThrow(() -> new ProblemException(HttpStatus.NOT_FOUND, "id",
                "no model '" + id + "'; GET /v1/models lists the published ones"));
    }
}
