package dev.llmmesh.mesh.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelDirectory;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.datasets.DatasetFormat;
import dev.llmmesh.mesh.datasets.DatasetWriter;
import dev.llmmesh.mesh.jobs.EvalJob;
import dev.llmmesh.mesh.jobs.InvalidJobException;
import dev.llmmesh.mesh.jobs.JobContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An evaluate job's rules, as the gateway and eval-service both apply them, and the default suites. */
class EvalJobRulesTest {
    @TempDir
    Path dir;

    private static final ModelAnnouncement BASE = ModelAnnouncement.base("m", Map.of("contextLength", 64), "gpt2",
            "models/m/", "job-m", Map.of(), Instant.EPOCH);
    private static final ModelAnnouncement TRAINED = BASE.withValidation(
            new ModelAnnouncement.ValidationWindows("d", "gpt2", 900, 8, 32, 32));

    private JobContext context(ModelAnnouncement... models) throws Exception {
        FileArtifactStore artifacts = new FileArtifactStore(dir);
        DatasetWriter writer = new DatasetWriter(artifacts);
        if (!artifacts.exists(ArtifactKeys.datasetInfo("text"))) {
            upload(writer);
        }
        ModelDirectory directory = new ModelDirectory() {
            @Override
            public Optional<ModelAnnouncement> find(String modelId) {
                return List.of(models).stream().filter(m -> m.modelId().equals(modelId)).findFirst();
            }

            @Override
            public List<ModelAnnouncement> all() {
                return List.of(models);
            }
        };
        return new JobContext(artifacts, new TokenizerRegistry(artifacts), directory, Optional::empty);
    }

    private static void upload(DatasetWriter writer) throws Exception {
        writer.upload("text", null, DatasetFormat.TEXT, stream("Call me Ishmael.\nSome years ago.\n"));
        writer.upload("labeled", null, DatasetFormat.JSONL_LABELED, stream("{\"text\":\"a\",\"label\":\"x\"}\n"));
        writer.upload("alpaca", null, DatasetFormat.ALPACA, stream("{\"instruction\":\"i\",\"output\":\"o\"}\n"));
        writer.upload("choices", null, DatasetFormat.MULTIPLE_CHOICE,
                stream("{\"context\":\"c\",\"choices\":[\"a\",\"b\"],\"label\":1}\n"));
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static EvalJob.Evaluate job(EvalTask task, String datasetId, String parameters) throws Exception {
        JsonNode params = parameters == null ? null : Json.STRICT.readTree(parameters);
        return new EvalJob.Evaluate(1, "e", "m", task, datasetId, null, null, null,
                task == EvalTask.JUDGE ? "m" : null, params);
    }

    private static void refused(JobContext context, EvalJob.Evaluate job, String field, String says) {
        var e = assertThrows(InvalidJobException.class, () -> job.validate(context));
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }

    @Test
    void eachTaskTakesTheDatasetFormatsThatHoldItsExamples() throws Exception {
        JobContext context = context(BASE);
        job(EvalTask.PERPLEXITY, "text", null).validate(context);
        job(EvalTask.CLASSIFICATION, "labeled", null).validate(context);
        job(EvalTask.GENERATION, "alpaca", null).validate(context);
        job(EvalTask.JUDGE, "alpaca", null).validate(context);
        job(EvalTask.MULTIPLE_CHOICE, "choices", null).validate(context);
        refused(context, job(EvalTask.CLASSIFICATION, "text", null), "datasetId", "reads jsonl-labeled");
        refused(context, job(EvalTask.MULTIPLE_CHOICE, "alpaca", null), "datasetId", "reads multiple-choice");
        refused(context, job(EvalTask.GENERATION, "nope", null), "datasetId", "no dataset 'nope'");
        refused(context, job(EvalTask.GENERATION, null, null), "datasetId", "needs a datasetId");
    }

    @Test
    void withoutADatasetOnlyABaseModelsOwnValidationWindowsAreScoredAsPublished() throws Exception {
        refused(context(BASE), job(EvalTask.PERPLEXITY, null, null), "datasetId", "published no validation windows");
        job(EvalTask.PERPLEXITY, null, null).validate(context(TRAINED));
        refused(context(TRAINED), job(EvalTask.PERPLEXITY, null, "{\"stride\":4}"), "parameters.stride",
                "validation windows fix");
    }

    @Test
    void parametersAreKnownPerTaskAndBoundedNamingTheField() throws Exception {
        JobContext context = context(BASE);
        job(EvalTask.PERPLEXITY, "text", "{\"contextLength\":64,\"stride\":63}").validate(context);
        refused(context, job(EvalTask.PERPLEXITY, "text", "{\"contextLength\":65}"), "parameters.contextLength",
                "[2, 64]");
        refused(context, job(EvalTask.PERPLEXITY, "text", "{\"contextLength\":16,\"stride\":16}"),
                "parameters.stride", "[1, 15]");
        refused(context, job(EvalTask.PERPLEXITY, "text", "{\"stride\":\"8\"}"), "parameters.stride",
                "must be an integer");
        refused(context, job(EvalTask.GENERATION, "alpaca", "{\"maxTokens\":0}"), "parameters.maxTokens", "[1, 1024]");
        refused(context, job(EvalTask.GENERATION, "alpaca", "{\"smoothing\":\"exp\"}"), "parameters.smoothing",
                "known: maxTokens, stemming");
        refused(context, job(EvalTask.CLASSIFICATION, "labeled", "{\"stride\":2}"), "parameters.stride", "known: none");
        refused(context, job(EvalTask.JUDGE, "alpaca", "{\"pairwise\":true}"), "parameters.baselineModelId",
                "give parameters.baselineModelId");
        refused(context, job(EvalTask.JUDGE, "alpaca", "{\"pairwise\":true,\"baselineModelId\":\"gone\"}"),
                "parameters.baselineModelId", "no model 'gone'");
        refused(context, job(EvalTask.JUDGE, "alpaca", "{\"pairwise\":\"yes\"}"), "parameters.pairwise",
                "true or false");
    }

    @Test
    void everyKindHasADefaultSuiteWhoseJobIdIsFixedByModelAndSuite() {
        assertEquals(Optional.empty(), Suites.defaultSuite(BASE));
        assertEquals(new Suites.Entry(EvalTask.PERPLEXITY, null, null), Suites.defaultSuite(TRAINED).orElseThrow());
        var chat = BASE.withKind(ModelKind.CHAT).withDatasets(Map.of("train", "tr", "test", "te"));
        assertEquals(new Suites.Entry(EvalTask.GENERATION, "te", null), Suites.defaultSuite(chat).orElseThrow());
        var classifier = BASE.withKind(ModelKind.CLASSIFIER).withDatasets(Map.of("test", "lab"));
        assertEquals(EvalTask.CLASSIFICATION, Suites.defaultSuite(classifier).orElseThrow().task());
        assertEquals(Optional.empty(), Suites.defaultSuite(BASE.withKind(ModelKind.CHAT)));

        EvalJob.Evaluate job = Suites.job(TRAINED, Suites.DEFAULT, Suites.defaultSuite(TRAINED).orElseThrow());
        assertEquals(Suites.jobId("m", Suites.DEFAULT, TRAINED.jobId()), job.jobId());
        assertTrue(Suites.automaticJobId(job.jobId()), job.jobId());
        assertEquals("m/default", EvalResult.key(job.modelId(), job.suite(), job.jobId()));
        String longId = "m".repeat(128);
        assertTrue(Ids.valid(Suites.jobId(longId, Suites.DEFAULT, "job-1")));
        assertNotEquals(Suites.jobId(longId, Suites.DEFAULT, "job-1"), Suites.jobId(longId, "other", "job-1"));
    }

    /** The same id trained again is other weights: its default suite is another job, so it is measured again. */
    @Test
    void aModelTrainedAgainUnderTheSameIdGetsANewDefaultJob() {
        Suites.Entry entry = Suites.defaultSuite(TRAINED).orElseThrow();
        EvalJob.Evaluate first = Suites.job(trainedBy("pretrain-1"), Suites.DEFAULT, entry);
        EvalJob.Evaluate again = Suites.job(trainedBy("pretrain-1"), Suites.DEFAULT, entry);
        EvalJob.Evaluate retrained = Suites.job(trainedBy("pretrain-2"), Suites.DEFAULT, entry);
        assertEquals(first.jobId(), again.jobId(), "replicas and restarts start the same job");
        assertNotEquals(first.jobId(), retrained.jobId());
        assertEquals(EvalResult.key(first.modelId(), first.suite(), first.jobId()),
                EvalResult.key(retrained.modelId(), retrained.suite(), retrained.jobId()),
                "the new figure replaces the old one under the model's key");
        assertTrue(Suites.automaticJobId(Suites.jobId("m".repeat(128), Suites.DEFAULT, null)));
        assertTrue(!Suites.automaticJobId("job-1") && !Suites.automaticJobId("eval-mine"));
    }

    private static ModelAnnouncement trainedBy(String jobId) {
        return ModelAnnouncement.base("m", Map.of("contextLength", 64), "gpt2", "models/m/", jobId, Map.of(),
                Instant.EPOCH).withValidation(TRAINED.validation());
    }
}
