package dev.llmmesh.tokenizer.jobs;

import dev.llmmesh.mesh.jobs.TokenizerJob;
import dev.llmmesh.servicekit.JobEvents;
import dev.llmmesh.servicekit.JobFailedException;
import dev.llmmesh.core.tokenizer.BpeModel;
import dev.llmmesh.core.tokenizer.BpeTrainer;
import dev.llmmesh.core.tokenizer.BpeTrainerConfig;
import dev.llmmesh.core.tokenizer.HuggingFaceTokenizerJson;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.TokenizerRegistry;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.util.Map;

/** {@code train-tokenizer}: a dataset in, a HuggingFace {@code tokenizer.json} in the artifact store out. */
@Singleton
public class TrainTokenizerRunner {
    private static final long PIECE_BYTES = 1 << 20;

    private final ArtifactStore artifacts;
    private final TokenizerRegistry registry;
    private final JobEvents events;

    public TrainTokenizerRunner(ArtifactStore artifacts, TokenizerRegistry registry, JobEvents events) {
        this.artifacts = artifacts;
        this.registry = registry;
        this.events = events;
    }

    public void run(TokenizerJob.TrainTokenizer job) throws IOException, JobFailedException {
        DatasetText text = DatasetText.find(artifacts, job.datasetId());
        if (registry.exists(job.tokenizerId())) {
            throw new JobFailedException("tokenizer '" + job.tokenizerId() + "' already exists; choose another tokenizerId");
        }
        // valid: the job record checked these very settings when it was parsed
        BpeTrainerConfig config = new BpeTrainerConfig(job.vocabSize(), job.minFrequency(), job.specialTokens());
        var reporter = events.reporter(job.jobId(), job.jobType());
        reporter.progress(0, 1, "chars", "starting", Map.of(), true);
        BpeModel model = new BpeTrainer(config, (done, total, stage) -> reporter.progress(done, total,
                stage.equals(BpeTrainer.MERGING) ? "merges" : "chars", stage, Map.of(), false))
                .train(text.pieces(PIECE_BYTES));
        String key = ArtifactKeys.tokenizerJson(job.tokenizerId());
        artifacts.write(key, out -> HuggingFaceTokenizerJson.write(model, out));
        reporter.succeeded("trained tokenizer " + job.tokenizerId() + " with " + model.vocabSize() + " tokens",
                Map.of("tokenizerId", job.tokenizerId(), "vocabSize", model.vocabSize(),
                        "merges", model.merges().size(), "artifact", key));
    }
}
