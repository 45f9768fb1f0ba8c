package dev.llmmesh.core.finetune;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static dev.llmmesh.core.finetune.FinetuneTesting.LABELS;
import static dev.llmmesh.core.finetune.FinetuneTesting.SMALL;
import static dev.llmmesh.core.finetune.FinetuneTesting.classifier;
import static dev.llmmesh.core.finetune.FinetuneTesting.tokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierCheckpointTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Pooling.class)
    void saveThenLoadGivesIdenticalProbabilities(Pooling pooling) throws IOException {
        List<int[]> inputs = List.of(tokens(9, SMALL.vocabSize(), 1), tokens(15, SMALL.vocabSize(), 2),
                tokens(3, SMALL.vocabSize(), 3));
        try (ClassifierModel model = classifier(9, pooling)) {
            ClassifierCheckpoint.save(model, dir);
            assertTrue(ClassifierCheckpoint.isClassifier(dir));
            try (ClassifierModel loaded = ClassifierCheckpoint.load(dir, Device.cpu())) {
                assertEquals(LABELS, loaded.labels());
                assertEquals(12, loaded.maxLength());
                assertEquals(50, loaded.padTokenId());
                assertEquals(pooling, loaded.pooling());
                assertEquals(SMALL, loaded.config());
                assertEquals(model.parameters().keySet(), loaded.parameters().keySet());
                model.parameters().forEach((name, p) ->
                        assertTrue(p.contentEquals(loaded.parameters().get(name)), name));
                List<Classified> before = model.classify(inputs);
                List<Classified> after = loaded.classify(inputs);
                for (int i = 0; i < inputs.size(); i++) {
                    assertArrayEquals(before.get(i).probabilities(), after.get(i).probabilities());
                    assertEquals(before.get(i).label(), after.get(i).label());
                    assertEquals(before.get(i).tokens(), after.get(i).tokens());
                }
            }
        }
    }

    @Test
    void writesHuggingFaceSequenceClassificationLayout() throws IOException {
        try (ClassifierModel model = classifier(10)) {
            ClassifierCheckpoint.save(model, dir);
        }
        JsonNode json = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("gpt2", json.get("model_type").asText());
        assertEquals(1, json.get("architectures").size());
        assertEquals("GPT2ForSequenceClassification", json.get("architectures").get(0).asText());
        assertEquals("spam", json.get("id2label").get("1").asText());
        assertEquals(2, json.get("label2id").get("eggs").asInt());
        assertEquals(3, json.get("id2label").size());
        assertEquals(50, json.get("pad_token_id").asInt());
        assertEquals(12, json.get("classifier_max_length").asInt());
        assertEquals("last", json.get("classifier_pooling").asText());
        assertEquals(24, json.get("n_embd").asInt());
        Set<String> names = SafeTensors.readHeader(dir.resolve("model.safetensors")).tensors().keySet();
        assertTrue(names.contains("score.weight"));
        assertTrue(names.contains("transformer.wte.weight"));
        // GPT2ForSequenceClassification has no LM head: from_pretrained would report it as unexpected
        assertFalse(names.contains("lm_head.weight"));
        assertEquals(List.of(3L, 24L), Arrays.stream(
                SafeTensors.readHeader(dir.resolve("model.safetensors")).tensors().get("score.weight").shape()
                        .getShape()).boxed().toList());
    }

    @Test
    void aPlainLanguageModelIsNotAClassifier() throws IOException {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 1)) {
            GptCheckpoint.save(model, dir);
        }
        assertFalse(ClassifierCheckpoint.isClassifier(dir));
        assertFalse(ClassifierCheckpoint.isClassifier(dir.resolve("nowhere")));
        IOException e = assertThrows(IOException.class, () -> ClassifierCheckpoint.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("GPT2ForSequenceClassification"), e.getMessage());
    }

    @Test
    void readsTheLastTokenWithoutAPoolingFieldAndRefusesAnUnknownOne() throws IOException {
        try (ClassifierModel model = classifier(12, Pooling.MEAN)) {
            ClassifierCheckpoint.save(model, dir);
        }
        Path config = dir.resolve("config.json");
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode json = (ObjectNode) mapper.readTree(config.toFile());
        json.remove("classifier_pooling");
        mapper.writeValue(config.toFile(), json);
        // HuggingFace's save_pretrained writes no such field, and its class reads the last token
        try (ClassifierModel loaded = ClassifierCheckpoint.load(dir, Device.cpu())) {
            assertEquals(Pooling.LAST, loaded.pooling());
        }
        json.put("classifier_pooling", "max");
        mapper.writeValue(config.toFile(), json);
        IOException e = assertThrows(IOException.class, () -> ClassifierCheckpoint.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("pooling must be one of last, "
                + "mean; got 'max'"), e.getMessage());
    }

    @Test
    void keepsItsTruncationAndReadsTheHeadWithoutTheField() throws IOException {
        int[] longText = tokens(20, SMALL.vocabSize(), 4);
        try (ClassifierModel model = classifier(13, Pooling.MEAN, Truncation.HEAD_TAIL)) {
            ClassifierCheckpoint.save(model, dir);
            try (ClassifierModel loaded = ClassifierCheckpoint.load(dir, Device.cpu())) {
                assertEquals(Truncation.HEAD_TAIL, loaded.truncation());
                assertArrayEquals(model.classify(List.<int[]>of(longText)).getFirst().probabilities(),
                        loaded.classify(List.<int[]>of(longText)).getFirst().probabilities());
            }
        }
        Path config = dir.resolve("config.json");
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode json = (ObjectNode) mapper.readTree(config.toFile());
        assertEquals("head-tail", json.get("classifier_truncation").asText());
        // classifiers saved before the field existed read the first tokens, as they were trained to
        json.remove("classifier_truncation");
        mapper.writeValue(config.toFile(), json);
        try (ClassifierModel loaded = ClassifierCheckpoint.load(dir, Device.cpu())) {
            assertEquals(Truncation.HEAD, loaded.truncation());
        }
        json.put("classifier_truncation", "tail");
        mapper.writeValue(config.toFile(), json);
        IOException e = assertThrows(IOException.class, () -> ClassifierCheckpoint.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("truncation must be one of head, head-tail; got 'tail'"), e.getMessage());
    }

    @Test
    void refusesAHeadThatDisagreesWithTheLabels() throws IOException {
        try (ClassifierModel model = classifier(11)) {
            ClassifierCheckpoint.save(model, dir);
        }
        Path config = dir.resolve("config.json");
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode json = (ObjectNode) mapper.readTree(config.toFile());
        ((ObjectNode) json.get("id2label")).remove("2");
        ((ObjectNode) json.get("label2id")).remove("eggs");
        mapper.writeValue(config.toFile(), json);
        IOException e = assertThrows(IOException.class, () -> ClassifierCheckpoint.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("score.weight"), e.getMessage());
    }
}
