package dev.llmmesh.mesh.jobs;

import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.train.TrainConfig;
import dev.llmmesh.mesh.JobMessages;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.MalformedJobException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules of a job, as the gateway and the services both apply them: every refusal names its field. */
class JobRulesTest {
    private static final int VOCAB = 512;

    @Test
    void impossibleModelShapesAndBatchesAreRefusedNamingTheField() throws Exception {
        assertModelRefused("shape.embedDim", "{\"embedDim\":1000000,\"heads\":1}");
        assertModelRefused("shape.contextLength", "{\"contextLength\":1000000}");
        assertModelRefused("shape.layers", "{\"layers\":100000}");
        assertModelRefused("shape.heads", "{\"embedDim\":60,\"heads\":7}");
        GptConfig tiny = PretrainSettings.model(null, VOCAB);
        assertTrainingRefused("hyperparameters.batchSize", "{\"batchSize\":1000000000}", null, tiny);
        assertTrainingRefused("hyperparameters.batchSize", "{\"batchSize\":0}", null, tiny);
        assertTrainingRefused("hyperparameters.contextLength", "{\"contextLength\":1000000}", null, tiny);
        assertTrainingRefused("hyperparameters.batchSize", "{\"batchSize\":8.5}", null, tiny);
    }

    @Test
    void anUnsetWarmupFollowsAShortRunAndAnExplicitOneLongerThanTheRunIsRefused() throws Exception {
        GptConfig tiny = PretrainSettings.model(null, VOCAB);
        TrainConfig fifty = PretrainSettings.training(null, 50L, null, tiny);
        assertEquals(50, fifty.maxSteps());
        assertEquals(5, fifty.warmupSteps());
        assertEquals(100, PretrainSettings.training(null, 5000L, null, tiny).warmupSteps());
        assertEquals(2, PretrainSettings.training(Json.STRICT.readTree("{\"maxSteps\":20}"), null, null, tiny).warmupSteps());
        assertEquals(30, PretrainSettings.training(Json.STRICT.readTree("{\"warmupSteps\":30}"), 50L, null, tiny).warmupSteps());
        assertTrainingRefused("hyperparameters.warmupSteps", "{\"warmupSteps\":100}", 50L, tiny);
    }

    @Test
    void aFractionalMaxStepsIsRefusedNotTruncated() {
        var e = assertThrows(MalformedJobException.class, () -> JobMessages.parse("""
                {"type":"pretrain","jobId":"j","datasetId":"d","tokenizerId":"t","maxSteps":1.5}"""
                .getBytes(StandardCharsets.UTF_8), TrainerJob.class));
        assertEquals("maxSteps", e.field().orElseThrow(), e.getMessage());
        assertTrue(e.getMessage().contains("maxSteps: must be a whole number, got 1.5"), e.getMessage());
    }

    @Test
    void aValueOfTheWrongJsonTypeIsRefusedNamingTheFieldNotConverted() throws Exception {
        assertWrongType("datasetId", "must be a string, got 0",
                "{\"type\":\"train-tokenizer\",\"jobId\":\"j\",\"datasetId\":0,\"vocabSize\":300}");
        assertWrongType("tokenizerId", "must be a string, got true",
                "{\"type\":\"train-tokenizer\",\"jobId\":\"j\",\"datasetId\":\"d\",\"tokenizerId\":true,\"vocabSize\":300}");
        assertWrongType("vocabSize", "must be a number, got the string \"300\"",
                "{\"type\":\"train-tokenizer\",\"jobId\":\"j\",\"datasetId\":\"d\",\"vocabSize\":\"300\"}");
        assertWrongType("vocabSize", "must be a number, got true",
                "{\"type\":\"train-tokenizer\",\"jobId\":\"j\",\"datasetId\":\"d\",\"vocabSize\":true}");
        assertWrongType("specialTokens", "must be a string, got 7",
                "{\"type\":\"train-tokenizer\",\"jobId\":\"j\",\"datasetId\":\"d\",\"vocabSize\":300,\"specialTokens\":[7]}");
        assertWrongType("maxSteps", "must be a number, got the string \"10\"",
                "{\"type\":\"pretrain\",\"jobId\":\"j\",\"datasetId\":\"d\",\"tokenizerId\":\"t\",\"maxSteps\":\"10\"}");
        // As the gateway has it: a tree, where 1e400 is a double too large, not yet the string "Infinity".
        var huge = assertThrows(MalformedJobException.class, () -> JobMessages.parse(Json.STRICT.readTree(
                "{\"type\":\"train-tokenizer\",\"jobId\":\"j\",\"datasetId\":\"d\",\"tokenizerId\":1e400,\"vocabSize\":300}"),
                TokenizerJob.class));
        assertEquals("tokenizerId", huge.field().orElse(null), huge.getMessage());
        GptConfig tiny = PretrainSettings.model(null, VOCAB);
        assertTrainingRefused("hyperparameters.batchSize", "{\"batchSize\":\"8\"}", null, tiny);
        assertTrainingRefused("hyperparameters.decayEmbeddings", "{\"decayEmbeddings\":\"true\"}", null, tiny);
        assertTrainingRefused("hyperparameters.decayEmbeddings", "{\"decayEmbeddings\":1}", null, tiny);
        // A whole number is a number: 1 where a double is meant is 1.0, as JSON has it.
        assertEquals(1.0, PretrainSettings.training(Json.STRICT.readTree("{\"learningRate\":1}"), null, null, tiny)
                .learningRate());
    }

    private static void assertWrongType(String field, String reason, String job) {
        Class<?> type = job.contains("pretrain") ? TrainerJob.class : TokenizerJob.class;
        var e = assertThrows(MalformedJobException.class, () -> JobMessages.parse(job.getBytes(StandardCharsets.UTF_8),
                type));
        assertEquals(field, e.field().orElse(null), e.getMessage());
        assertTrue(e.getMessage().contains(field + ": " + reason), e.getMessage());
    }

    @Test
    void aJobTheCapacityCannotHoldIsRefusedWithTheNumbersAndWhatToChange() throws Exception {
        GptConfig gpt2 = PretrainSettings.model(Json.STRICT.readTree("\"gpt2\""), 50257);
        TrainConfig run = PretrainSettings.training(null, 10L, null, gpt2);
        var big = assertThrows(InvalidJobException.class, () -> PretrainSettings.fits(gpt2, run, 1L << 30, "test"));
        assertEquals("shape", big.field(), "the weights alone do not fit: no batch size helps");
        assertTrue(big.getMessage().matches("the job needs ~\\d+\\.\\d GiB .*this trainer can use 1\\.0 GiB \\(test\\); "
                + "lower hyperparameters.batchSize or hyperparameters.contextLength, or use a smaller model"), big.getMessage());
        var batch = assertThrows(InvalidJobException.class, () -> PretrainSettings.fits(gpt2, run, 3L << 30, "test"));
        assertEquals("hyperparameters.batchSize", batch.field(), batch.getMessage());
        PretrainSettings.fits(gpt2, run, 1L << 40, "test");
    }

    @Test
    void trainTokenizerBoundsAreCheckedWhereTheJobIsParsed() {
        assertTokenizerRefused("vocabSize", "\"vocabSize\":0");
        assertTokenizerRefused("vocabSize", "\"vocabSize\":-1");
        assertTokenizerRefused("vocabSize", "\"vocabSize\":100");
        assertTokenizerRefused("vocabSize", "\"vocabSize\":257,\"specialTokens\":[\"<a>\",\"<b>\"]");
        assertTokenizerRefused("vocabSize", "\"vocabSize\":100000000");
        assertTokenizerRefused("minFrequency", "\"vocabSize\":300,\"minFrequency\":-5");
        assertTokenizerRefused("specialTokens", "\"vocabSize\":300,\"specialTokens\":[\"\"]");
        assertTokenizerRefused("vocabSize", "\"vocabSize\":300.5");
    }

    private static void assertModelRefused(String field, String spec) {
        var e = assertThrows(InvalidJobException.class, () -> PretrainSettings.model(Json.STRICT.readTree(spec), VOCAB));
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field), e.getMessage());
    }

    private static void assertTrainingRefused(String field, String spec, Long maxSteps, GptConfig model) {
        var e = assertThrows(InvalidJobException.class,
                () -> PretrainSettings.training(Json.STRICT.readTree(spec), maxSteps, null, model));
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field), e.getMessage());
    }

    private static void assertTokenizerRefused(String field, String fields) {
        var e = assertThrows(MalformedJobException.class, () -> JobMessages.parse(("{\"type\":\"train-tokenizer\","
                + "\"jobId\":\"j\",\"datasetId\":\"d\"," + fields + "}").getBytes(StandardCharsets.UTF_8),
                TokenizerJob.class));
        assertEquals(field, e.field().orElse(null), e.getMessage());
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }
}
