package dev.llmmesh.core.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptLayout;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A classifier directory in HuggingFace's {@code GPT2ForSequenceClassification} layout: {@code model.safetensors}
 * with the {@code transformer.*} weights and {@code score.weight} (no {@code lm_head}), and a GPT-2
 * {@code config.json} whose {@code architectures} is {@code ["GPT2ForSequenceClassification"]}, with
 * {@code id2label} / {@code label2id} (HuggingFace derives {@code num_labels} from them), {@code pad_token_id}, and
 * our own {@code classifier_max_length}.
 */
public final class ClassifierCheckpoint {
    public static final String ARCHITECTURE = "GPT2ForSequenceClassification";
    /** Ours, not HuggingFace's: the length the classifier was trained to read (transformers ignores it). */
    public static final String MAX_LENGTH_FIELD = "classifier_max_length";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ClassifierCheckpoint() {
    }

    /** Writes {@code dir/model.safetensors} and {@code dir/config.json}, each atomically. */
    public static void save(ClassifierModel model, Path dir) throws IOException {
        Files.createDirectories(dir);
        SafeTensors.write(dir.resolve(GptCheckpoint.WEIGHTS_FILE), model.parameters(), Map.of("format", "pt"));
        ObjectNode config = configJson(model.config());
        config.putArray("architectures").add(ARCHITECTURE);
        ObjectNode id2label = config.putObject("id2label");
        ObjectNode label2id = config.putObject("label2id");
        List<String> labels = model.labels();
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        config.put("pad_token_id", model.padTokenId());
        config.put(MAX_LENGTH_FIELD, model.maxLength());
        Files.write(dir.resolve(GptCheckpoint.CONFIG_FILE), JSON.writeValueAsBytes(config));
    }

    /** Whether {@code dir} holds a classifier: its {@code config.json} names {@value #ARCHITECTURE}. */
    public static boolean isClassifier(Path dir) {
        Path file = dir.resolve(GptCheckpoint.CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try {
            for (JsonNode architecture : JSON.readTree(file.toFile()).path("architectures")) {
                if (ARCHITECTURE.equals(architecture.asText())) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Reads a directory written by {@link #save}, or by {@code GPT2ForSequenceClassification.save_pretrained} with
     * safetensors. Labels come from {@code id2label}, whose ids must be 0..n-1; without
     * {@code classifier_max_length} the model reads up to its whole context; without {@code pad_token_id} it pads
     * with 0.
     */
    public static ClassifierModel load(Path dir, Device device) throws IOException {
        Path file = dir.resolve(GptCheckpoint.CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no " + GptCheckpoint.CONFIG_FILE + " in " + dir);
        }
        JsonNode json = JSON.readTree(file.toFile());
        if (!isClassifier(dir)) {
            throw new IOException(file + ": architectures " + json.path("architectures") + " is not ["
                    + ARCHITECTURE + "]");
        }
        List<String> labels = labels(json, file);
        GptConfig config = readConfig(json, file);
        int maxLength = json.path(MAX_LENGTH_FIELD).asInt(config.contextLength());
        int pad = json.path("pad_token_id").isIntegralNumber() ? json.get("pad_token_id").asInt() : 0;
        GptModel base = loadBase(dir, config, device);
        try {
            NDArray score = base.manager().create(new Shape(labels.size(), config.embedDim()), DataType.FLOAT32);
            try (NDManager scratch = base.manager().newSubManager()) {
                NDArray saved = SafeTensors.read(dir.resolve(GptCheckpoint.WEIGHTS_FILE), scratch,
                        ClassifierModel.SCORE::equals).get(ClassifierModel.SCORE);
                if (saved == null) {
                    throw new IOException(dir + " lacks tensor " + ClassifierModel.SCORE);
                }
                if (!saved.getShape().equals(score.getShape())) {
                    throw new IOException(dir + ": tensor " + ClassifierModel.SCORE + " has shape "
                            + saved.getShape() + " but config.json implies " + score.getShape());
                }
                score.set(new NDIndex("..."), saved);
            }
            return new ClassifierModel(base, score, labels, maxLength, pad);
        } catch (IOException | RuntimeException e) {
            base.close();
            throw e;
        }
    }

    private static List<String> labels(JsonNode json, Path file) throws IOException {
        JsonNode id2label = json.path("id2label");
        if (!id2label.isObject() || id2label.isEmpty()) {
            throw new IOException(file + " has no id2label: a classifier's labels are its names");
        }
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < id2label.size(); i++) {
            JsonNode name = id2label.get(Integer.toString(i));
            if (name == null || !name.isTextual()) {
                throw new IOException(file + ": id2label must map 0.." + (id2label.size() - 1)
                        + " to names, and lacks " + i);
            }
            labels.add(name.asText());
        }
        return labels;
    }
    // Interim, until GptCheckpoint reads and writes checkpoints with extra tensors (helper "model"): the GPT-2
    // config fields and a base model filled from the file, tensor by tensor.

    private static ObjectNode configJson(GptConfig config) {
        ObjectNode json = JSON.createObjectNode();
        json.put("model_type", "gpt2");
        json.put("vocab_size", config.vocabSize());
        json.put("n_positions", config.contextLength());
        json.put("n_ctx", config.contextLength());
        json.put("n_embd", config.embedDim());
        json.put("n_layer", config.layers());
        json.put("n_head", config.heads());
        json.put("layer_norm_epsilon", config.layerNormEps());
        json.put("resid_pdrop", config.dropout());
        json.put("embd_pdrop", config.dropout());
        json.put("attn_pdrop", config.dropout());
        json.put("activation_function", "gelu_new");
        json.put("tie_word_embeddings", true);
        json.put("torch_dtype", "float32");
        return json;
    }

    private static GptConfig readConfig(JsonNode json, Path file) throws IOException {
        try {
            return new GptConfig(json.path("vocab_size").asInt(50257), json.path("n_positions").asInt(1024),
                    json.path("n_embd").asInt(768), json.path("n_layer").asInt(12), json.path("n_head").asInt(12),
                    json.path("resid_pdrop").asDouble(0.1), json.path("layer_norm_epsilon").asDouble(1e-5));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static GptModel loadBase(Path dir, GptConfig config, Device device) throws IOException {
        GptModel base = GptModel.initialize(config, device, 0);
        try (NDManager scratch = base.manager().newSubManager()) {
            Map<String, NDArray> saved = SafeTensors.read(dir.resolve(GptCheckpoint.WEIGHTS_FILE), scratch);
            for (Map.Entry<String, NDArray> entry : base.parameters().entrySet()) {
                String name = entry.getKey();
                NDArray source = saved.get(name);
                if (source == null) {
                    source = saved.get(name.substring(GptLayout.PREFIX.length()));
                }
                if (source == null) {
                    throw new IOException(dir + " lacks tensor " + name);
                }
                if (!source.getShape().equals(entry.getValue().getShape())) {
                    throw new IOException(dir + ": tensor " + name + " has shape " + source.getShape()
                            + " but config.json implies " + entry.getValue().getShape());
                }
                entry.getValue().set(new NDIndex("..."), source);
            }
        } catch (IOException | RuntimeException e) {
            base.close();
            throw e;
        }
        return base;
    }
}
