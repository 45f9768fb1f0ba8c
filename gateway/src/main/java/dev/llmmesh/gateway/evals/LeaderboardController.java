package dev.llmmesh.gateway.evals;

import dev.llmmesh.gateway.api.ProblemErrors;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.List;

/** Published models ranked on a suite. */
@Controller("/v1/leaderboard")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "evals")
public class LeaderboardController {
    private final ModelRegistry models;
    private final EvalBoard evals;
    private final EvalReplay replay;

    public LeaderboardController(ModelRegistry models, EvalBoard evals, EvalReplay replay) {
        this.models = models;
        this.evals = evals;
        this.replay = replay;
    }

    @Get
    @Operation(summary = "Published models ranked on a suite by each task's primary metric, one group per task and "
            + "dataset, and for perplexity per tokenizer, context length and stride too (a suite measures each base "
            + "model on its own held-out windows, each classifier on its own test split: figures that do not "
            + "compare); each with its figure, example count and 95% interval")
    @ProblemErrors
    public Leaderboard get(@QueryValue(defaultValue = "default") @Nullable @Schema(defaultValue = "default")
                           String suite,
                           @QueryValue @Nullable @Schema(allowableValues = {"perplexity", "classification",
                                   "generation", "multiple-choice", "judge"}) String task)
            throws InterruptedException {
        EvalTask only = task == null ? null : EvalsController.task(task);
        models.awaitCaughtUp(ModelRegistry.CATCH_UP);
        replay.awaitOrUnavailable();
        // A deleted model's figure stays on the compacted topic; the board ranks what can still be used.
        List<EvalResult> results = evals.ofSuite(suite).stream()
                .filter(r -> only == null || r.task() == only)
                .filter(r -> models.find(r.modelId()).isPresent()).toList();
        return Leaderboard.of(suite, results, id -> models.find(id).map(ModelAnnouncement::tokenizerId));
    }
}
