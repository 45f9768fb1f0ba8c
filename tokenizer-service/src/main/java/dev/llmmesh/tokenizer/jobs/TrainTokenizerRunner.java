package dev.llmmesh.tokenizer.jobs;

import dev.llmmesh.core.tokenizer.BpeModel;
import dev.llmmesh.core.tokenizer.BpeTrainer;
import dev.llmmesh.core.tokenizer.BpeTrainerConfig;
import dev.llmmesh.core.tokenizer.HuggingFaceTokenizerJson;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.jobs.TokenizerJob;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import dev.llmmesh.servicekit.jobs.JobLifecycle;
import dev.llmmesh.servicekit.jobs.JobRun;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/** {@code train-tokenizer}: a dataset in, a HuggingFace {@code tokenizer.json} in the artifact store out. */
@Singleton
public class TrainTokenizerRunner {
    private static final long PIECE_BYTES = 1 << 20;

    private final ArtifactStore artifacts;
    private final JobLifecycle lifecycle;

    public TrainTokenizerRunner(ArtifactStore artifacts, JobLifecycle lifecycle) {
        this.artifacts = artifacts;
        this.lifecycle = lifecycle;
    }

    public void run(TokenizerJob.TrainTokenizer job) throws IOException, JobFailedException {
        // The dataset exists and the tokenizer id is free: the job was validated before it got here.
        DatasetText text = DatasetText.find(artifacts, job.datasetId());
        // valid: the job record checked these very settings when it was parsed
        BpeTrainerConfig config = new BpeTrainerConfig(job.vocabSize(), job.minFrequency(), job.specialTokens());
        Optional<JobRun> run = lifecycle.start(job);
        if (run.isEmpty()) {
            return;
        }
        var reporter = run.get().reporter();
        reporter.progress(0, 1, "chars", "starting", Map.of(), true);
        BpeModel model = new BpeTrainer(config, (done, total, stage) -> reporter.progress(done, total,
                stage.equals(BpeTrainer.MERGING) ? "merges" : "chars", stage, Map.of(), false))
                .train(text.pieces(PIECE_BYTES));
        String key = ArtifactKeys.tokenizerJson(job.tokenizerId());
        artifacts.write(key, out -> HuggingFaceTokenizerJson.write(model, out));
        run.get().succeeded("trained tokenizer " + job.tokenizerId() + " with " + model.vocabSize() + " tokens",
                Map.of("tokenizerId", job.tokenizerId(), "vocabSize", model.vocabSize(),
                        "merges", model.merges().size(), "artifact", key));
    }
}
