package dev.llmmesh.trainer.jobs;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.llmmesh.core.eval.ClassificationMetrics;
import dev.llmmesh.core.finetune.ClassificationData;
import dev.llmmesh.core.finetune.ClassifierCheckpoint;
import dev.llmmesh.core.finetune.ClassifierModel;
import dev.llmmesh.core.finetune.ClassifierTraining;
import dev.llmmesh.core.finetune.EpochReport;
import dev.llmmesh.core.finetune.FinetuneResult;
import dev.llmmesh.core.finetune.NaiveBayesBaseline;
import dev.llmmesh.core.finetune.Prediction;
import dev.llmmesh.core.finetune.StepReport;
import dev.llmmesh.core.finetune.Truncation;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.HuggingFaceTokenizerJson;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobReporter;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.datasets.DatasetBalance;
import dev.llmmesh.mesh.datasets.DatasetLabels;
import dev.llmmesh.mesh.datasets.DatasetSplits;
import dev.llmmesh.mesh.datasets.Datasets;
import dev.llmmesh.mesh.jobs.FinetuneSettings;
import dev.llmmesh.mesh.jobs.InvalidJobException;
import dev.llmmesh.mesh.jobs.JobContext;
import dev.llmmesh.mesh.jobs.TrainerJob;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import dev.llmmesh.servicekit.jobs.JobLifecycle;
import dev.llmmesh.servicekit.jobs.JobRun;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code finetune-classifier}: balances and splits the labeled data (each as a dataset of its own), fine-tunes a
 * classifier head (and the job's trainable part) on the base model, resuming from the job's last checkpoint if a
 * previous attempt left one, measures it and a naive Bayes baseline on the same test split, then publishes it as a
 * {@code classifier} whose {@code datasets.test} eval-service evaluates. The job was validated before it got here:
 * see {@link FinetuneSettings}.
 */
@Singleton
public class FinetuneClassifierRunner {
    private static final Logger LOG = LoggerFactory.getLogger(FinetuneClassifierRunner.class);
    private static final String STEPS = "steps";

    private final FileArtifactStore artifacts;
    private final TokenizerRegistry tokenizers;
    private final JobLifecycle lifecycle;
    private final JobContext context;

    public FinetuneClassifierRunner(FileArtifactStore artifacts, TokenizerRegistry tokenizers, JobLifecycle lifecycle,
                                    JobContext context) {
        this.artifacts = artifacts;
        this.tokenizers = tokenizers;
        this.lifecycle = lifecycle;
        this.context = context;
    }

    /** The three splits' data, encoded and cut at the run's maximum length. */
    private record Splits(Map<String, String> ids, ClassificationData train, ClassificationData validation,
                          ClassificationData test) {
    }

    public void run(TrainerJob.FinetuneClassifier job) throws IOException, JobFailedException {
        Optional<JobRun> started = lifecycle.start(job);
        if (started.isEmpty()) {
            return;
        }
        JobRun run = started.get();
        FinetuneSettings.Plan plan;
        try {
            plan = FinetuneSettings.plan(job, context);
        } catch (InvalidJobException e) {
            throw new JobFailedException(e.field(), e.getMessage());
        }
        ModelAnnouncement base = plan.base();
        BpeTokenizer tokenizer = tokenizers.find(base.tokenizerId()).orElseThrow(() -> new JobFailedException(
                "baseModelId", "model '" + base.modelId() + "' names tokenizer '" + base.tokenizerId()
                + "', which is not registered"));
        int epochs = plan.training().epochs();
        JobReporter reporter = run.reporter();
        reporter.progress(0, 0, STEPS, "splitting", Map.of(), true);
        Map<String, String> ids = splitIds(job, plan);
        reporter.progress(0, 0, STEPS, "encoding", Map.of(), true);
        Splits splits = encode(job, plan, tokenizer, ids);
        int maxLength = splits.train().maxLength();
        LOG.info("job {}: {} train / {} validation / {} test examples of labels {}, maxLength {} ({}), trainable {}, "
                + "pooling {}", job.jobId(), splits.train().size(), splits.validation().size(), splits.test().size(),
                plan.labels(), maxLength, plan.truncation().wireName(), plan.training().trainable().wireName(),
                plan.pooling().wireName());

        GptModel gpt = GptCheckpoint.load(artifacts.path(base.artifact()), Engine.getInstance().defaultDevice());
        ClassifierModel model;
        try {
            model = ClassifierModel.fromBase(gpt, plan.labels(), maxLength, splits.train().padTokenId(),
                    plan.pooling(), plan.truncation(), job.seed());
        } catch (RuntimeException e) {
            gpt.close();
            throw e;
        }
        try (model; ClassifierTraining training = new ClassifierTraining(model, splits.train(), splits.validation(),
                plan.training()).checkpointsTo(run.checkpoints())) {
            long total = training.totalSteps();
            Optional<Path> latest = run.latestCheckpoint();
            if (latest.isPresent()) {
                training.resumeFrom(latest.get());
                reporter.progress(0, total, STEPS, "resumed from checkpoint " + latest.get().getFileName(), Map.of(),
                        true);
            } else {
                reporter.progress(0, total, STEPS, "training", Map.of(), true);
            }
            training.onStep(step -> step(reporter, total, epochs, step));
            training.onEpoch(report -> epoch(reporter, total, plan.labels(), report));
            FinetuneResult result = training.run(run::stopRequested);
            if (result.cancelled()) {
                // The checkpoint's location is this server's business, not the client's.
                run.stopped("after " + result.epochs() + " of " + epochs + " epochs (step " + result.steps() + " of "
                        + total + ")");
                return;
            }
            reporter.progress(result.steps(), total, STEPS, "testing", Map.of(), true);
            List<Prediction> validation = training.predict(splits.validation());
            List<Prediction> test = training.predict(splits.test());
            reporter.progress(result.steps(), total, STEPS, "baseline", Map.of(), true);
            ClassificationMetrics baseline = baseline(plan.labels(), splits.train(), splits.test());
            publish(job, plan, model, tokenizer, splits, result, validation, test, baseline, run);
        }
    }

    /** The datasets the run trains, validates and tests on: named by the job, or balanced and split here. */
    private Map<String, String> splitIds(TrainerJob.FinetuneClassifier job, FinetuneSettings.Plan plan)
            throws IOException, JobFailedException {
        try {
            String source = job.balance() ? new DatasetBalance(artifacts).write(job.datasetId(), job.seed())
                    .datasetId() : job.datasetId();
            if (job.explicitSplits()) {
                Map<String, String> ids = new LinkedHashMap<>();
                ids.put("train", source);
                ids.put("validation", job.validationDatasetId());
                ids.put("test", job.testDatasetId());
                return ids;
            }
            return new DatasetSplits(artifacts).writeStratified(source, plan.splits(), job.seed());
        } catch (IllegalArgumentException e) {
            throw new JobFailedException("splits", e.getMessage());
        } catch (IllegalStateException e) {
            // A dataset of the id the split would take exists and is something else.
            throw new JobFailedException("seed", e.getMessage());
        }
    }

    private Splits encode(TrainerJob.FinetuneClassifier job, FinetuneSettings.Plan plan, BpeTokenizer tokenizer,
                          Map<String, String> ids) throws IOException, JobFailedException {
        List<ClassificationData.Example> train = examples(ids.get("train"), plan.labels());
        List<ClassificationData.Example> validation = examples(ids.get("validation"), plan.labels());
        List<ClassificationData.Example> test = examples(ids.get("test"), plan.labels());
        int maxLength = job.maxLength() != null ? job.maxLength()
                : ClassificationData.longest(train, tokenizer, plan.contextLength());
        String field = "datasetId";
        try {
            Truncation truncation = plan.truncation();
            ClassificationData trainData = ClassificationData.of(train, plan.labels(), tokenizer, maxLength,
                    truncation);
            field = job.explicitSplits() ? "validationDatasetId" : field;
            ClassificationData validationData = ClassificationData.of(validation, plan.labels(), tokenizer, maxLength,
                    truncation);
            field = job.explicitSplits() ? "testDatasetId" : field;
            ClassificationData testData = ClassificationData.of(test, plan.labels(), tokenizer, maxLength, truncation);
            return new Splits(ids, trainData, validationData, testData);
        } catch (IllegalArgumentException e) {
            throw new JobFailedException(field, e.getMessage());
        }
    }

    private List<ClassificationData.Example> examples(String datasetId, List<String> labels)
            throws IOException, JobFailedException {
        var rows = new Datasets(artifacts).rows(datasetId).orElseThrow(() -> new JobFailedException("datasetId",
                "dataset '" + datasetId + "' is gone"));
        List<ClassificationData.Example> examples = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        rows.forEach((index, row) -> {
            int label = labels.indexOf(DatasetLabels.of(row));
            if (label < 0) {
                unknown.add("row " + index + " has label '" + DatasetLabels.of(row) + "'");
            } else {
                examples.add(new ClassificationData.Example(row.get("text").textValue(), label));
            }
        });
        if (!unknown.isEmpty()) {
            // Validation saw every label; only a dataset replaced since could get here.
            throw new JobFailedException("datasetId", "dataset '" + datasetId + "': " + unknown.getFirst()
                    + ", not one of " + labels);
        }
        return examples;
    }

    private static ClassificationMetrics baseline(List<String> labels, ClassificationData train,
                                                  ClassificationData test) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            texts.add(train.example(i).text());
        }
        NaiveBayesBaseline bayes = NaiveBayesBaseline.train(texts, train.goldLabels(), labels.size());
        int[] predicted = new int[test.size()];
        for (int i = 0; i < predicted.length; i++) {
            predicted[i] = bayes.predict(test.example(i).text());
        }
        return ClassificationMetrics.of(labels, test.goldLabels(), predicted);
    }

    /** Between epochs: at most one event a second (the reporter's limit), for a live bar and loss. */
    private static void step(JobReporter reporter, long total, int epochs, StepReport report) {
        reporter.progress(report.step().step(), total, STEPS, "training", FinetuneSummary.step(report, epochs), false);
    }

    private static void epoch(JobReporter reporter, long total, List<String> labels, EpochReport epoch) {
        reporter.progress(epoch.steps(), total, STEPS, "epoch " + epoch.epoch() + " of " + epoch.epochs(),
                FinetuneSummary.epoch(epoch), FinetuneSummary.epochDetails(epoch, labels), true);
    }

    private void publish(TrainerJob.FinetuneClassifier job, FinetuneSettings.Plan plan, ClassifierModel model,
                         BpeTokenizer tokenizer, Splits splits, FinetuneResult result, List<Prediction> validation,
                         List<Prediction> test, ClassificationMetrics baseline, JobRun run) throws IOException {
        String artifact = ArtifactKeys.modelDir(job.modelId());
        Path dir = artifacts.path(artifact);
        ClassifierCheckpoint.save(model, dir);
        HuggingFaceTokenizerJson.write(tokenizer.model(), dir.resolve("tokenizer.json"));

        long trainableParameters = plan.training().trainable().select(model).values().stream()
                .mapToLong(a -> a.getShape().size()).sum();
        long parameters = model.parameters().values().stream().mapToLong(a -> a.getShape().size()).sum();
        FinetuneSummary summary = FinetuneSummary.of(new FinetuneSummary.Run(job.modelId(), artifact, plan.labels(),
                plan.training().trainable().wireName(), model.pooling().wireName(), model.truncation().wireName(),
                model.maxLength(), parameters, trainableParameters, splits.ids(), splits.train().size(),
                splits.validation().size(), splits.test().size()), result, validation, test, baseline);
        @SuppressWarnings("unchecked")
        Map<String, Object> shape = Json.LENIENT.convertValue(model.config(), Map.class);
        var announcement = ModelAnnouncement.base(job.modelId(), shape, plan.base().tokenizerId(), artifact,
                job.jobId(), summary.metrics(), Instant.now()).asClassifier(plan.labels())
                .withParent(job.baseModelId()).withDatasets(splits.ids());
        LOG.info("job {}: {}; best epoch {} of {}, test loss {} over {} examples", job.jobId(), summary.message(),
                result.bestEpoch(), result.epochs(), "%.4f".formatted(summary.metrics().get("testLoss")),
                test.size());
        run.publish(announcement, summary.message(), summary.result());
    }
}
