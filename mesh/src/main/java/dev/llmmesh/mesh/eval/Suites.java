package dev.llmmesh.mesh.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.jobs.EvalJob;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A suite is a named set of (task, dataset, parameters) a model is measured on; its result is keyed by model and
 * suite ({@link EvalResult#key()}), so a suite holds one evaluation per model. Every model kind has a
 * {@link #DEFAULT} suite, which eval-service runs once for each model announced:
 * <ul>
 *   <li>base: perplexity on the validation windows its training held out (none when it held out none)</li>
 *   <li>classifier: classification on its {@code test} split</li>
 *   <li>chat: generation on its {@code test} split</li>
 * </ul>
 */
public final class Suites {
    public static final String DEFAULT = "default";
    /** The split of a fine-tuned model's datasets its default suite is measured on. */
    public static final String TEST_SPLIT = "test";
    /** Seeds the sample of examples of an automatic evaluation, so a rerun scores the same ones. */
    public static final long SEED = 0;
    /** How the id of every automatic evaluation starts; a client's job may not take one (the gateway refuses it). */
    public static final String AUTOMATIC_PREFIX = "eval-" + DEFAULT + "-";

    private Suites() {
    }

    /** @param task what to measure; @param datasetId null for a base model's validation windows */
    public record Entry(EvalTask task, String datasetId, JsonNode parameters) {
    }

    /** The model's default suite; empty when there is nothing to measure it on (why is in {@code reason}). */
    public static Optional<Entry> defaultSuite(ModelAnnouncement model) {
        return switch (model.kind() == null ? ModelKind.BASE : model.kind()) {
            case BASE -> model.validation() == null ? Optional.empty()
                    : Optional.of(new Entry(EvalTask.PERPLEXITY, null, null));
            case CLASSIFIER -> test(model).map(d -> new Entry(EvalTask.CLASSIFICATION, d, null));
            case CHAT -> test(model).map(d -> new Entry(EvalTask.GENERATION, d, null));
        };
    }

    /** Why {@link #defaultSuite} is empty, for the log. */
    public static String reason(ModelAnnouncement model) {
        return model.kind() == null || model.kind() == ModelKind.BASE
                ? "its training published no validation windows"
                : "it names no '" + TEST_SPLIT + "' dataset";
    }

    /**
     * The evaluation job of a model's suite, with an id fixed by model, suite and the job that trained the weights
     * announced: every replica, and every restart, that starts it starts the same job, and the one that runs second
     * finds its result; a model trained again under the same id is new weights, so a new job and a new figure.
     */
    public static EvalJob.Evaluate job(ModelAnnouncement model, String suite, Entry entry) {
        return new EvalJob.Evaluate(EvalJob.SCHEMA_VERSION, jobId(model.modelId(), suite, model.jobId()),
                model.modelId(), entry.task(), entry.datasetId(), suite, null, SEED, null, entry.parameters());
    }

    /** @param trainedBy the job id the model's announcement names (null when it names none) */
    public static String jobId(String modelId, String suite, String trainedBy) {
        String weights = "-" + digest(String.valueOf(trainedBy)).substring(0, 12);
        String id = "eval-" + suite + "-" + modelId + weights;
        return Ids.valid(id) ? id : "eval-" + suite + "-" + digest(modelId + "/" + suite) + weights;
    }

    /** Whether {@code jobId} is one eval-service gives its automatic evaluations ({@link #AUTOMATIC_PREFIX}). */
    public static boolean automaticJobId(String jobId) {
        return jobId != null && jobId.startsWith(AUTOMATIC_PREFIX);
    }

    private static Optional<String> test(ModelAnnouncement model) {
        return Optional.ofNullable(model.datasets() == null ? null : model.datasets().get(TEST_SPLIT));
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
