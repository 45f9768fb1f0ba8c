package dev.llmmesh.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

import static dev.llmmesh.core.model.ModelTesting.SMALL;
import static dev.llmmesh.core.model.ModelTesting.maxAbsDiff;
import static dev.llmmesh.core.model.ModelTesting.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GptCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void saveThenLoadGivesTheSameModel() throws IOException {
        GptConfig config = SMALL.withDropout(0.1);
        try (GptModel model = GptModel.initialize(config, Device.cpu(), 21);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            GptCheckpoint.save(model, dir);
            JsonNode json = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
            assertEquals("gpt2", json.get("model_type").asText());
            assertEquals("GPT2LMHeadModel", json.get("architectures").get(0).asText());
            assertEquals(97, json.get("vocab_size").asInt());
            assertEquals(32, json.get("n_positions").asInt());
            assertEquals(32, json.get("n_ctx").asInt());
            assertEquals(32, json.get("n_embd").asInt());
            assertEquals(2, json.get("n_layer").asInt());
            assertEquals(4, json.get("n_head").asInt());
            assertEquals(1e-5, json.get("layer_norm_epsilon").asDouble());
            assertEquals(0.1, json.get("resid_pdrop").asDouble());
            assertEquals(0.1, json.get("embd_pdrop").asDouble());
            assertEquals(0.1, json.get("attn_pdrop").asDouble());
            assertEquals("gelu_new", json.get("activation_function").asText());
            assertTrue(json.get("tie_word_embeddings").asBoolean());

            try (GptModel loaded = GptCheckpoint.load(dir, Device.cpu())) {
                assertEquals(config, loaded.config());
                assertEquals(model.parameters().keySet(), loaded.parameters().keySet());
                model.parameters().forEach((name, p) ->
                        assertTrue(p.contentEquals(loaded.parameters().get(name)), name));
                NDArray ids = m.create(tokens(2 * 10, 97, 4), new Shape(2, 10));
                assertEquals(0f, maxAbsDiff(model.forward(ids, false), loaded.forward(ids, false)));
            }
        }
    }

    @Test
    void loadsHuggingFaceNamesBuffersAndTiedHead() throws IOException {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 8);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // As the hub's gpt2 file: no "transformer." prefix, mask buffers per layer, and here also lm_head.
            Map<String, NDArray> hub = new LinkedHashMap<>();
            model.parameters().forEach((name, p) -> hub.put(name.substring("transformer.".length()), p));
            for (int i = 0; i < SMALL.layers(); i++) {
                hub.put("h." + i + ".attn.bias", m.ones(new Shape(1, 1, 32, 32)));
                hub.put("h." + i + ".attn.masked_bias", m.create(-1e4f));
            }
            hub.put("lm_head.weight", model.parameters().get("transformer.wte.weight"));
            SafeTensors.write(dir.resolve("model.safetensors"), hub, Map.of("format", "pt"));
            writeHubConfig();

            try (GptModel loaded = GptCheckpoint.load(dir, Device.cpu())) {
                assertEquals(SMALL.withDropout(0.1), loaded.config());
                model.parameters().forEach((name, p) ->
                        assertTrue(p.contentEquals(loaded.parameters().get(name)), name));
            }
        }
    }

    /** The hub's gpt2 config.json, shrunk: extra fields, n_inner null, n_ctx beside n_positions. */
    private void writeHubConfig() throws IOException {
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("activation_function", "gelu_new");
        json.putArray("architectures").add("GPT2LMHeadModel");
        json.put("attn_pdrop", 0.1);
        json.put("bos_token_id", 50256);
        json.put("embd_pdrop", 0.1);
        json.put("eos_token_id", 50256);
        json.put("initializer_range", 0.02);
        json.put("layer_norm_epsilon", 1e-05);
        json.put("model_type", "gpt2");
        json.put("n_ctx", 32);
        json.put("n_embd", 32);
        json.put("n_head", 4);
        json.put("n_layer", 2);
        json.put("n_positions", 32);
        json.putNull("n_inner");
        json.put("resid_pdrop", 0.1);
        json.put("summary_type", "cls_index");
        json.put("vocab_size", 97);
        Files.writeString(dir.resolve("config.json"), json.toPrettyString());
    }

    @Test
    void halfPrecisionCheckpointsLoadAsFloat() throws IOException {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 8);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> half = new LinkedHashMap<>();
            model.parameters().forEach((name, p) -> half.put(name, p.toType(DataType.FLOAT16, true)));
            half.values().forEach(a -> a.attach(m));
            SafeTensors.write(dir.resolve("model.safetensors"), half, Map.of());
            writeHubConfig();
            try (GptModel loaded = GptCheckpoint.load(dir, Device.cpu())) {
                model.parameters().forEach((name, p) -> {
                    NDArray q = loaded.parameters().get(name);
                    assertEquals(DataType.FLOAT32, q.getDataType());
                    assertTrue(maxAbsDiff(p, q) <= 1e-3f * Math.max(1f, p.abs().max().getFloat()), name);
                });
            }
        }
    }

    @Test
    void untiedHeadIsRefused() throws IOException {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 8);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>(model.parameters());
            tensors.put("lm_head.weight", m.zeros(new Shape(97, 32)));
            SafeTensors.write(dir.resolve("model.safetensors"), tensors, Map.of());
            writeHubConfig();
            IOException e = assertThrows(IOException.class, () -> GptCheckpoint.load(dir, Device.cpu()));
            assertTrue(e.getMessage().contains("lm_head.weight"), e.getMessage());
        }
    }

    @Test
    void missingOrMisshapedTensorsAreNamed() throws IOException {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 8);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>(model.parameters());
            tensors.remove("transformer.h.1.mlp.c_fc.bias");
            SafeTensors.write(dir.resolve("model.safetensors"), tensors, Map.of());
            writeHubConfig();
            IOException e = assertThrows(IOException.class, () -> GptCheckpoint.load(dir, Device.cpu()));
            assertTrue(e.getMessage().contains("transformer.h.1.mlp.c_fc.bias")
                    && e.getMessage().contains("(128)"), e.getMessage());

            tensors.put("transformer.h.1.mlp.c_fc.bias", m.zeros(new Shape(64)));
            SafeTensors.write(dir.resolve("model.safetensors"), tensors, Map.of());
            e = assertThrows(IOException.class, () -> GptCheckpoint.load(dir, Device.cpu()));
            assertTrue(e.getMessage().contains("transformer.h.1.mlp.c_fc.bias")
                    && e.getMessage().contains("(64)") && e.getMessage().contains("(128)"), e.getMessage());
        }
    }

    @Test
    void aClassifierDirectoryCarriesItsHeadAndConfigFields() throws IOException {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 8);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // HuggingFace GPT2ForSequenceClassification: transformer.* and score.weight [labels, n_embd], no lm_head
            NDArray score = m.randomNormal(new Shape(3, 32));
            SequencedMap<String, NDArray> extras = new LinkedHashMap<>();
            extras.put("score.weight", score);
            ObjectNode extraConfig = new ObjectMapper().createObjectNode();
            extraConfig.putArray("architectures").add("GPT2ForSequenceClassification");
            extraConfig.putObject("id2label").put("0", "ham").put("1", "spam").put("2", "eggs");
            extraConfig.putObject("label2id").put("ham", 0).put("spam", 1).put("eggs", 2);
            extraConfig.put("pad_token_id", 50256);
            GptCheckpoint.save(model, extras, extraConfig, dir);

            SafeTensors.Header header = SafeTensors.readHeader(dir.resolve("model.safetensors"));
            assertEquals(List.of("score.weight"), header.tensors().keySet().stream()
                    .filter(n -> !model.parameters().containsKey(n)).toList());
            JsonNode json = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
            assertEquals("GPT2ForSequenceClassification", json.get("architectures").get(0).asText());
            assertEquals(1, json.get("architectures").size());
            assertEquals("gpt2", json.get("model_type").asText());

            GptCheckpoint.Loaded loaded = GptCheckpoint.read(dir, Device.cpu());
            try (GptModel back = loaded.model()) {
                assertEquals(List.of("score.weight"), List.copyOf(loaded.extras().keySet()));
                assertTrue(score.contentEquals(loaded.extras().get("score.weight")));
                assertEquals("spam", loaded.configJson().get("id2label").get("1").asText());
                assertEquals(2, loaded.configJson().get("label2id").get("eggs").asInt());
                assertEquals(50256, loaded.configJson().get("pad_token_id").asInt());
                model.parameters().forEach((name, p) -> assertTrue(p.contentEquals(back.parameters().get(name)), name));
            }
            // the plain load opens the same directory as the GPT-2 it is built on
            try (GptModel back = GptCheckpoint.load(dir, Device.cpu())) {
                assertEquals(SMALL, back.config());
                model.parameters().forEach((name, p) -> assertTrue(p.contentEquals(back.parameters().get(name)), name));
            }
        }
    }

    @Test
    void namesThatLookLikeGpt2ButAreNotStayRefused() throws IOException {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 8);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            writeHubConfig();
            for (String stray : List.of("transformer.h.2.attn.c_attn.weight", "h.2.ln_1.weight", "wte.extra",
                    "transformer.score.weight")) {
                Map<String, NDArray> tensors = new LinkedHashMap<>(model.parameters());
                tensors.put(stray, m.zeros(new Shape(4)));
                SafeTensors.write(dir.resolve("model.safetensors"), tensors, Map.of());
                IOException e = assertThrows(IOException.class, () -> GptCheckpoint.read(dir, Device.cpu()), stray);
                assertTrue(e.getMessage().contains(stray.startsWith("transformer.") ? stray : "transformer." + stray),
                        e.getMessage());
                assertThrows(IOException.class, () -> GptCheckpoint.load(dir, Device.cpu()), stray);
            }
            SequencedMap<String, NDArray> clash = new LinkedHashMap<>();
            clash.put("h.0.adapter.weight", m.zeros(new Shape(4)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GptCheckpoint.save(model, clash, new ObjectMapper().createObjectNode(), dir));
            assertTrue(e.getMessage().contains("h.0.adapter.weight"), e.getMessage());
        }
    }

    @Test
    void truncatedWeightsFailClearly() throws IOException {
        try (GptModel model = GptModel.initialize(SMALL, Device.cpu(), 8)) {
            GptCheckpoint.save(model, dir);
        }
        Path weights = dir.resolve("model.safetensors");
        try (FileChannel channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            channel.truncate(Files.size(weights) / 2);
        }
        IOException e = assertThrows(IOException.class, () -> GptCheckpoint.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
}
