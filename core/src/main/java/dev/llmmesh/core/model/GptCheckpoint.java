package dev.llmmesh.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SequencedMap;
import java.util.regex.Pattern;

/**
 * A model directory in HuggingFace's layout: {@code model.safetensors} (float32, HuggingFace names) and a GPT-2
 * {@code config.json}. What {@link #save} writes, {@code GPT2LMHeadModel.from_pretrained} reads; and {@link #load}
 * reads the {@code gpt2} / {@code distilgpt2} directories from the HuggingFace hub as they are.
 */
public final class GptCheckpoint {
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String CONFIG_FILE = "config.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Attention-mask buffers older HuggingFace versions saved with the weights; we build our own mask. */
    private static final Pattern MASK_BUFFER = Pattern.compile("(transformer\\.)?h\\.\\d+\\.attn\\.(bias|masked_bias)");
    private static final String LM_HEAD = "lm_head.weight";

    private GptCheckpoint() {
    }

    /** Writes {@code dir/model.safetensors} and {@code dir/config.json}, each atomically. */
    public static void save(GptModel model, Path dir) throws IOException {
        Files.createDirectories(dir);
        SafeTensors.write(dir.resolve(WEIGHTS_FILE), model.parameters(), Map.of("format", "pt"));
        AtomicFiles.writeBytes(dir.resolve(CONFIG_FILE), JSON.writeValueAsBytes(configJson(model.config())));
    }

    /**
     * Reads a directory written by {@link #save} or downloaded from the HuggingFace hub. Tensor names may carry the
     * {@code transformer.} prefix or not; {@code lm_head.weight}, when present, must equal the token embedding
     * (GPT-2 ties them); the attention-mask buffers are skipped. Half-precision weights are widened to float32.
     */
    public static GptModel load(Path dir, Device device) throws IOException {
        GptConfig config = readConfig(dir.resolve(CONFIG_FILE));
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) {
            throw new NoSuchFileException(weights.toString(), null, "no " + WEIGHTS_FILE + " in " + dir);
        }
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            SequencedMap<String, NDArray> raw = SafeTensors.read(weights, manager,
                    name -> !MASK_BUFFER.matcher(name).matches());
            Map<String, NDArray> parameters = canonicalNames(raw, weights);
            checkShapes(config, parameters, weights);
            checkTiedHead(raw.get(LM_HEAD), parameters.get(GptLayout.TOKEN_EMBEDDING), weights);
            NDArray head = raw.get(LM_HEAD);
            if (head != null) {
                head.close();
            }
            return new GptModel(config, manager, parameters);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Adds the {@code transformer.} prefix the base-model files leave out; sets {@code lm_head} aside. */
    private static Map<String, NDArray> canonicalNames(Map<String, NDArray> raw, Path file) throws IOException {
        Map<String, NDArray> parameters = new HashMap<>();
        for (Map.Entry<String, NDArray> entry : raw.entrySet()) {
            String name = entry.getKey();
            if (name.equals(LM_HEAD)) {
                continue;
            }
            String canonical = name.startsWith(GptLayout.PREFIX) ? name : GptLayout.PREFIX + name;
            if (parameters.put(canonical, entry.getValue()) != null) {
                throw new IOException(file + " holds " + canonical + " twice (with and without the prefix)");
            }
        }
        return parameters;
    }

    private static void checkShapes(GptConfig config, Map<String, NDArray> parameters, Path file) throws IOException {
        Map<String, Shape> expected = GptLayout.shapes(config);
        for (Map.Entry<String, Shape> entry : expected.entrySet()) {
            NDArray array = parameters.get(entry.getKey());
            if (array == null) {
                throw new IOException(file + " lacks tensor " + entry.getKey() + " (expected shape "
                        + entry.getValue() + ")");
            }
            if (!array.getShape().equals(entry.getValue())) {
                throw new IOException(file + ": tensor " + entry.getKey() + " has shape " + array.getShape()
                        + " but config.json implies " + entry.getValue());
            }
        }
        for (String name : parameters.keySet()) {
            if (!expected.containsKey(name)) {
                throw new IOException(file + " holds tensor " + name + ", which a GPT-2 model does not have");
            }
        }
    }

    /** We have no separate head: a checkpoint whose head differs from wte cannot be represented. */
    private static void checkTiedHead(NDArray head, NDArray tokenEmbedding, Path file) throws IOException {
        if (head == null) {
            return;
        }
        if (!head.getShape().equals(tokenEmbedding.getShape()) || !head.contentEquals(tokenEmbedding)) {
            throw new IOException(file + ": lm_head.weight " + head.getShape() + " differs from the token embedding "
                    + tokenEmbedding.getShape() + "; only tied heads are supported");
        }
    }

    static ObjectNode configJson(GptConfig config) {
        ObjectNode json = JSON.createObjectNode();
        json.put("model_type", "gpt2");
        json.putArray("architectures").add("GPT2LMHeadModel");
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

    /**
     * A HuggingFace GPT-2 config; absent fields take HuggingFace's defaults. Variants this model does not implement
     * (another activation, a different MLP width, layer-scaled attention) are refused rather than silently misread.
     */
    static GptConfig readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no " + CONFIG_FILE);
        }
        JsonNode json = JSON.readTree(file.toFile());
        String type = json.path("model_type").asText("gpt2");
        if (!type.equals("gpt2")) {
            throw new IOException(file + ": model_type " + type + " is not gpt2");
        }
        String activation = json.path("activation_function").asText("gelu_new");
        if (!activation.equals("gelu_new") && !activation.equals("gelu_pytorch_tanh")) {
            throw new IOException(file + ": activation_function " + activation + " is not supported (gelu_new only)");
        }
        int embedDim = json.path("n_embd").asInt(768);
        JsonNode inner = json.path("n_inner");
        if (!inner.isMissingNode() && !inner.isNull() && inner.asInt() != 4 * embedDim) {
            throw new IOException(file + ": n_inner " + inner.asInt() + " is not supported (4 * n_embd only)");
        }
        if (json.path("scale_attn_by_inverse_layer_idx").asBoolean(false)
                || json.path("reorder_and_upcast_attn").asBoolean(false)
                || !json.path("scale_attn_weights").asBoolean(true)
                || !json.path("tie_word_embeddings").asBoolean(true)) {
            throw new IOException(file + ": an attention-scaling or untied-head variant of GPT-2 is not supported");
        }
        try {
            return new GptConfig(json.path("vocab_size").asInt(50257), json.path("n_positions").asInt(1024), embedDim,
                    json.path("n_layer").asInt(12), json.path("n_head").asInt(12),
                    json.path("resid_pdrop").asDouble(0.1), json.path("layer_norm_epsilon").asDouble(1e-5));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}
