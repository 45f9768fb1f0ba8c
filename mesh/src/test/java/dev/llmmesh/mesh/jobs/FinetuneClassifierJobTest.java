package dev.llmmesh.mesh.jobs;

import dev.llmmesh.core.finetune.FinetuneConfig;
import dev.llmmesh.core.finetune.Pooling;
import dev.llmmesh.core.finetune.Trainable;
import dev.llmmesh.core.finetune.Truncation;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobMessages;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.MalformedJobException;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelDirectory;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.datasets.DatasetFormat;
import dev.llmmesh.mesh.datasets.DatasetWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A finetune-classifier job's defaults and rules, as the gateway and the trainer both apply them. */
class FinetuneClassifierJobTest {
    @TempDir
    Path dir;

    private static final ModelAnnouncement BASE = ModelAnnouncement.base("base", Map.of("contextLength", 64), "gpt2",
            "models/base/", "job-base", Map.of(), Instant.EPOCH);
    private List<ModelAnnouncement> models = List.of(BASE);
    private JobContext context;

    @BeforeEach
    void datasets() throws Exception {
        FileArtifactStore artifacts = new FileArtifactStore(dir);
        DatasetWriter writer = new DatasetWriter(artifacts);
        StringBuilder mail = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            mail.append("{\"text\":\"mail ").append(i).append("\",\"label\":\"").append(i % 4 == 0 ? "spam" : "ham")
                    .append("\"}\n");
        }
        writer.upload("mail", null, DatasetFormat.JSONL_LABELED, stream(mail.toString()));
        writer.upload("one-label", null, DatasetFormat.JSONL_LABELED, stream("{\"text\":\"a\",\"label\":\"x\"}\n"));
        writer.upload("other", null, DatasetFormat.JSONL_LABELED, stream("{\"text\":\"a\",\"label\":\"eggs\"}\n"));
        writer.upload("held-out", null, DatasetFormat.JSONL_LABELED, stream("{\"text\":\"a\",\"label\":\"ham\"}\n"));
        writer.upload("three", null, DatasetFormat.JSONL_LABELED, stream("""
                {"text":"a","label":"a"}
                {"text":"b","label":"b"}
                {"text":"c","label":"c"}
                """));
        writer.upload("text", null, DatasetFormat.TEXT, stream("Call me Ishmael.\n"));
        ModelDirectory directory = new ModelDirectory() {
            @Override
            public Optional<ModelAnnouncement> find(String modelId) {
                return models.stream().filter(m -> m.modelId().equals(modelId)).findFirst();
            }

            @Override
            public List<ModelAnnouncement> all() {
                return models;
            }
        };
        context = new JobContext(artifacts, new TokenizerRegistry(artifacts), directory, Optional::empty);
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static TrainerJob.FinetuneClassifier parse(String fields) throws MalformedJobException {
        return (TrainerJob.FinetuneClassifier) JobMessages.parse(("{\"type\":\"finetune-classifier\",\"jobId\":\"j\","
                + fields + "}").getBytes(StandardCharsets.UTF_8), TrainerJob.class);
    }

    private void assertRefused(String field, String reason, String fields) throws Exception {
        TrainerJob.FinetuneClassifier job = parse(fields);
        var e = assertThrows(InvalidJobException.class, () -> job.validate(context));
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void leftOutFieldsTakeTheirDefaultsAndLabelsComeSortedFromTheData() throws Exception {
        var job = parse("\"baseModelId\":\"base\",\"datasetId\":\"mail\"");
        assertEquals("j", job.modelId());
        assertTrue(job.balance());
        assertEquals(42L, job.seed());
        assertEquals("last-block", job.trainable());
        assertEquals("last", job.pooling());
        assertEquals("head", job.truncation());
        assertNull(job.maxLength());
        assertFalse(job.explicitSplits());
        job.validate(context);
        var plan = FinetuneSettings.plan(job, context);
        assertEquals(List.of("ham", "spam"), plan.labels());
        assertEquals(Map.of("ham", 30L, "spam", 10L), plan.labelCounts());
        assertEquals(FinetuneSettings.DEFAULT_SPLITS, plan.splits());
        assertEquals(64, plan.contextLength());
        assertEquals(Pooling.LAST, plan.pooling());
        assertEquals(Truncation.HEAD, plan.truncation());
        assertEquals(job, JobMessages.parse(Json.bytes(job), TrainerJob.class), "the record reads back as written");
    }

    @Test
    void givenLabelsSetTheHeadsOrderAndExplicitDatasetsReplaceTheSplit() throws Exception {
        var job = parse("\"baseModelId\":\"base\",\"datasetId\":\"mail\",\"labels\":[\"spam\",\"ham\"],"
                + "\"validationDatasetId\":\"held-out\",\"testDatasetId\":\"held-out\",\"balance\":false,"
                + "\"trainable\":\"all\",\"pooling\":\"mean\",\"truncation\":\"head-tail\",\"maxLength\":64,"
                + "\"hyperparameters\":{\"epochs\":2,\"learningRate\":1e-4}");
        var plan = FinetuneSettings.plan(job, context);
        assertEquals(List.of("spam", "ham"), plan.labels());
        assertEquals(Pooling.MEAN, plan.pooling());
        assertEquals(Truncation.HEAD_TAIL, plan.truncation());
        assertNull(plan.splits());
        assertEquals(Trainable.ALL, plan.training().trainable());
        assertEquals(2, plan.training().epochs());
        assertEquals(1e-4, plan.training().learningRate());
        assertEquals(42L, plan.training().seed(), "the job's seed");
        assertEquals(FinetuneConfig.defaults().batchSize(), plan.training().batchSize(), "left out: the default");
    }

    @Test
    void earlyStoppingPatienceIsSettableAndNullOrZeroLeaveItOff() throws Exception {
        String ok = "\"baseModelId\":\"base\",\"datasetId\":\"mail\",\"hyperparameters\":";
        // FinetuneConfig's default is null, which the JSON tree of the defaults leaves out: still a known field
        var on = FinetuneSettings.plan(parse(ok + "{\"earlyStoppingPatience\":2}"), context).training();
        assertEquals(2, on.earlyStoppingPatience());
        assertTrue(on.earlyStopping());
        assertFalse(FinetuneSettings.plan(parse(ok + "{\"earlyStoppingPatience\":null}"), context).training()
                .earlyStopping());
        assertFalse(FinetuneSettings.plan(parse(ok + "{\"earlyStoppingPatience\":0}"), context).training()
                .earlyStopping());
        assertRefused("hyperparameters.earlyStoppingPatience", "earlyStoppingPatience must be >= 0",
                ok + "{\"earlyStoppingPatience\":-1}");
    }

    @Test
    void dropoutIsSettableAndOtherwiseTheBaseModelsOwn() throws Exception {
        String ok = "\"baseModelId\":\"base\",\"datasetId\":\"mail\",\"hyperparameters\":";
        assertEquals(0.1, FinetuneSettings.plan(parse(ok + "{\"dropout\":0.1}"), context).training().dropout());
        assertNull(FinetuneSettings.plan(parse(ok + "{\"epochs\":1}"), context).training().dropout());
        assertRefused("hyperparameters.dropout", "dropout must be in [0, 1)", ok + "{\"dropout\":1.5}");
    }

    @Test
    void aMinimumLearningRateDecaysTheRateAndMayNotExceedIt() throws Exception {
        String ok = "\"baseModelId\":\"base\",\"datasetId\":\"mail\",\"hyperparameters\":";
        assertEquals(0.0, FinetuneSettings.plan(parse(ok + "{\"learningRate\":5e-4,\"minLearningRate\":0}"), context)
                .training().minLearningRate());
        assertNull(FinetuneSettings.plan(parse(ok + "{\"epochs\":1}"), context).training().minLearningRate());
        assertRefused("hyperparameters.minLearningRate", "minLearningRate must be in [0, learningRate = 5.0E-4]",
                ok + "{\"learningRate\":5e-4,\"minLearningRate\":1e-3}");
    }

    @Test
    void aDamagedDatasetIsRefusedByNameAndAnUnreadableOneIsUnavailableNotABug() throws Exception {
        String job = "\"baseModelId\":\"base\",\"datasetId\":\"mail\"";
        Path rows = dir.resolve(ArtifactKeys.datasetRows("mail"));
        Files.writeString(rows, "{\"text\":\"a\",\"label\":\"ham\"}\n{\"text\": cut off\n");
        assertRefused("datasetId", "dataset 'mail' has a row that does not read as jsonl-labeled", job);

        Files.delete(rows);
        Files.createDirectory(rows); // exists, but reading it fails as a broken disk or store would
        var e = assertThrows(JobInputUnavailableException.class, () -> parse(job).validate(context));
        assertEquals("datasetId", e.field());
        assertTrue(e.getMessage().startsWith("dataset 'mail' could not be read"), e.getMessage());
    }

    @Test
    void aFinetuneTheTrainerCannotHoldIsRefusedNamingWhatToChange() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> shape = Json.LENIENT.convertValue(GptConfig.named("gpt2"), Map.class);
        models = List.of(BASE, ModelAnnouncement.base("gpt2", shape, "gpt2", "models/gpt2/", "job-gpt2", Map.of(),
                Instant.EPOCH));
        long[] capacity = {1L << 30};
        context = new JobContext(context.artifacts(), context.tokenizers(), context.models(),
                () -> Optional.of(new MemoryBudget(capacity[0], "llm.jobs.trainer-memory-limit")));
        String gpt2 = "\"baseModelId\":\"gpt2\",\"datasetId\":\"mail\",\"maxLength\":256";
        parse(gpt2).validate(context); // the book's run: last block of gpt2, 8 x 256 tokens, in 1 GiB
        parse(gpt2 + ",\"trainable\":\"head\"").validate(context);
        assertRefused("trainable", "AdamW moments of the 124441344 all parameters", gpt2 + ",\"trainable\":\"all\"");
        assertRefused("hyperparameters.batchSize", "activations of batchSize 256 x maxLength 256",
                gpt2 + ",\"hyperparameters\":{\"batchSize\":256}");
        assertRefused("hyperparameters.batchSize", "x maxLength 1024 (the base's context",
                "\"baseModelId\":\"gpt2\",\"datasetId\":\"mail\",\"hyperparameters\":{\"batchSize\":64}");
        capacity[0] = 256L << 20;
        assertRefused("baseModelId", "this trainer can use 256 MiB (llm.jobs.trainer-memory-limit)", gpt2);
    }

    @Test
    void everyUnusableFieldIsRefusedByName() throws Exception {
        String ok = "\"baseModelId\":\"base\",\"datasetId\":\"mail\"";
        assertRefused("baseModelId", "no model 'nope'", "\"baseModelId\":\"nope\",\"datasetId\":\"mail\"");
        models = List.of(BASE, BASE.withKind(ModelKind.CHAT).withParent(null), classifier(), adapter());
        assertRefused("baseModelId", "is a classifier model", "\"baseModelId\":\"clf\",\"datasetId\":\"mail\"");
        assertRefused("baseModelId", "is an adapter", "\"baseModelId\":\"lora\",\"datasetId\":\"mail\"");
        assertRefused("datasetId", "no dataset 'none'", "\"baseModelId\":\"base\",\"datasetId\":\"none\"");
        assertRefused("datasetId", "is text", "\"baseModelId\":\"base\",\"datasetId\":\"text\"");
        assertRefused("datasetId", "has 1 label(s) [x]", "\"baseModelId\":\"base\",\"datasetId\":\"one-label\"");
        assertRefused("labels", "at least 2", ok + ",\"labels\":[\"ham\"]");
        assertRefused("labels", "'eggs' does not occur", ok + ",\"labels\":[\"ham\",\"spam\",\"eggs\"]");
        assertRefused("labels", "[c] that labels [b, a] leaves out", "\"baseModelId\":\"base\",\"datasetId\":\"three\","
                + "\"labels\":[\"b\",\"a\"]");
        assertRefused("labels", "given twice", ok + ",\"labels\":[\"ham\",\"ham\"]");
        assertRefused("maxLength", "between 1 and the base model's context (64), got 65", ok + ",\"maxLength\":65");
        assertRefused("maxLength", "got 0", ok + ",\"maxLength\":0");
        assertRefused("trainable", "must be one of head, last-block, all; got 'lora'", ok + ",\"trainable\":\"lora\"");
        assertRefused("pooling", "must be one of last, mean; got 'max'", ok + ",\"pooling\":\"max\"");
        assertRefused("truncation", "must be one of head, head-tail; got 'tail'", ok + ",\"truncation\":\"tail\"");
        assertRefused("hyperparameters.epochs", "", ok + ",\"hyperparameters\":{\"epochs\":1.5}");
        assertRefused("hyperparameters.learningRate", "learningRate must be positive", ok
                + ",\"hyperparameters\":{\"learningRate\":0}");
        assertRefused("hyperparameters.momentum", "unknown hyperparameters field [momentum]", ok
                + ",\"hyperparameters\":{\"momentum\":0.9}");
        assertRefused("hyperparameters.seed", "top level", ok + ",\"hyperparameters\":{\"seed\":1}");
        // Balanced 10 + 10, the train split keeps 7 of each: 14 rows, 2 batches of 8, 5 epochs: 10 steps.
        assertRefused("hyperparameters.warmupSteps", "warmupSteps 11 exceeds the run's 10 steps (5 epochs of 14 "
                + "training rows in batches of 8)", ok + ",\"hyperparameters\":{\"warmupSteps\":11}");
        parse(ok + ",\"hyperparameters\":{\"warmupSteps\":10}").validate(context);
        assertRefused("testDatasetId", "together", ok + ",\"validationDatasetId\":\"held-out\"");
        assertRefused("validationDatasetId", "has label 'eggs'", ok
                + ",\"validationDatasetId\":\"other\",\"testDatasetId\":\"held-out\"");
        assertRefused("splits", "left out", ok + ",\"validationDatasetId\":\"held-out\",\"testDatasetId\":\"held-out\","
                + "\"splits\":{\"train\":0.5,\"validation\":0.25,\"test\":0.25}");
        assertRefused("splits", "exactly [train, validation, test]", ok + ",\"splits\":{\"train\":0.5,\"test\":0.5}");
        assertRefused("splits", "add up to 1", ok + ",\"splits\":{\"train\":0.5,\"validation\":0.2,\"test\":0.2}");
        // Balanced, the 10 spam and 10 ham rows give validation floor(0.04 * 10) = 0 rows of each label.
        assertRefused("splits", "would get no rows", ok + ",\"splits\":{\"train\":0.76,\"validation\":0.04,\"test\":0.2}");
        parse(ok + ",\"balance\":false,\"splits\":{\"train\":0.76,\"validation\":0.04,\"test\":0.2}").validate(context);
        models = List.of(BASE, ModelAnnouncement.base("j2", Map.of(), "gpt2", "models/j2/", "other-job", Map.of(),
                Instant.EPOCH));
        var taken = assertThrows(InvalidJobException.class, () -> parse(ok + ",\"modelId\":\"j2\"").validate(context));
        assertEquals("modelId", taken.field());
        assertTrue(taken.conflict());
    }

    @Test
    void missingRequiredFieldsAreMalformedNamingThem() {
        var e = assertThrows(MalformedJobException.class, () -> parse("\"datasetId\":\"mail\""));
        assertEquals("baseModelId", e.field().orElseThrow());
        var d = assertThrows(MalformedJobException.class, () -> parse("\"baseModelId\":\"base\""));
        assertEquals("datasetId", d.field().orElseThrow());
    }

    private static ModelAnnouncement classifier() {
        return ModelAnnouncement.base("clf", Map.of("contextLength", 64), "gpt2", "models/clf/", "job-clf", Map.of(),
                Instant.EPOCH).withParent("base").asClassifier(List.of("a", "b"));
    }

    private static ModelAnnouncement adapter() {
        return ModelAnnouncement.base("lora", Map.of("contextLength", 64), "gpt2", "models/lora/", "job-lora",
                Map.of(), Instant.EPOCH).asAdapterOf("base");
    }
}
