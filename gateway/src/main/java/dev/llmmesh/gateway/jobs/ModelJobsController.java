package dev.llmmesh.gateway.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.jobs.TrainerJob;
import dev.llmmesh.servicekit.http.ProblemException;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

/**
 * Changes to a published model are jobs like any other transform of an artifact: the endpoint submits one and
 * answers 202 with it; the job's events say when it is done.
 */
@Controller("/v1/models")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "models")
public class ModelJobsController {
    private final JobsController jobs;
    private final ModelRegistry models;

    public ModelJobsController(JobsController jobs, ModelRegistry models) {
        this.jobs = jobs;
        this.models = models;
    }

    @Delete("/{id}")
    @Operation(summary = "Delete a model: submits a delete-model job (the model is withdrawn, then its files removed)")
    @ApiResponse(responseCode = "202", description = "the job; Location is its URL",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @ProblemErrors
    @Status(HttpStatus.ACCEPTED)
    public HttpResponse<JobView> delete(@PathVariable String id) {
        // The job's own check would say 400 about its modelId; here the model is the resource the client named.
        if (models.find(id, ModelRegistry.CATCH_UP).isEmpty()) {
            throw new ProblemException(HttpStatus.NOT_FOUND, "id", "no model '" + id + "'; GET /v1/models lists the "
                    + "published ones");
        }
        ObjectNode job = Json.LENIENT.createObjectNode().put("type", TrainerJob.DeleteModel.TYPE.name())
                .put("modelId", id);
        return jobs.submitted(job);
    }
}
