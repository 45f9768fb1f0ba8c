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
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import java.util.regex.Pattern;

/**
 * A model directory in HuggingFace's layout: {@code model.safetensors} (float32, HuggingFace names) and a GPT-2
 * {@code config.json}. What {@link #save} writes, {@code GPT2LMHeadModel.from_pretrained} reads; and {@link #load}
 * reads the {@code gpt2} / {@code distilgpt2} directories from the HuggingFace hub as they are.
 *
 * <p>A task model built on GPT-2 (HuggingFace's {@code GPT2ForSequenceClassification}: {@code transformer.*} plus
 * {@code score.weight}, no {@code lm_head}) is the same directory with extra tensors and config fields: {@link #read}
 * and {@link #save(GptModel, SequencedMap, ObjectNode, Path)} carry them without knowing what they are.
 */
public final class GptCheckpoint {
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String CONFIG_FILE = "config.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Attention-mask buffers older HuggingFace versions saved with the weights: not parameters, skipped. */
    static final Pattern MASK_BUFFER = Pattern.compile("(transformer\\.)?h\\.\\d+\\.attn\\.(bias|masked_bias)");
    private static final String LM_HEAD = "lm_head.weight";
    /** The first name segments of a base GPT2Model's tensors (the files that leave out {@code transformer.}). */
    private static final Pattern GPT2_TOP_LEVEL = Pattern.compile("(wte|wpe|h|ln_f)\\.");

    private GptCheckpoint() {
    }

    /**
     * A directory read with its extra tensors: what a task model (a classifier's {@code score.weight}) stores beside
     * the GPT-2 weights.
     *
     * @param model      the GPT-2 transformer and its tied LM head
     * @param extras     tensors that are not GPT-2's, by their names in the file, in file order; they live in the
     *                   model's manager and are freed when the model is closed
     * @param configJson the whole {@code config.json}, for the fields a task adds ({@code id2label}, ...)
     */
    public record Loaded(GptModel model, SequencedMap<String, NDArray> extras, JsonNode configJson) {
    }

    /** Writes {@code dir/model.safetensors} and {@code dir/config.json}, each atomically. */
    public static void save(GptModel model, Path dir) throws IOException {
        save(model, new LinkedHashMap<>(), JSON.createObjectNode(), dir);
    }

    /**
     * {@link #save(GptModel, Path)} plus a task's tensors after the model's and its fields over the GPT-2
     * {@code config.json} (replacing any of the same name, e.g. {@code architectures}). For a HuggingFace
     * {@code GPT2ForSequenceClassification}: {@code score.weight} [labels, n_embd] and {@code architectures},
     * {@code id2label}, {@code label2id}, {@code pad_token_id}.
     *
     * @throws IllegalArgumentException when an extra tensor's name is a GPT-2 one, or could be mistaken for one
     */
    public static void save(GptModel model, SequencedMap<String, ? extends NDArray> extras, ObjectNode extraConfig,
                            Path dir) throws IOException {
        SequencedMap<String, NDArray> tensors = new LinkedHashMap<>(model.parameters());
        for (Map.Entry<String, ? extends NDArray> extra : extras.entrySet()) {
            if (!isExtra(extra.getKey())) {
                throw new IllegalArgumentException("extra tensor " + extra.getKey()
                        + " has a GPT-2 tensor's name; a task's tensors need names of their own");
            }
            tensors.put(extra.getKey(), extra.getValue());
        }
        ObjectNode config = configJson(model.config());
        config.setAll(extraConfig);
        Files.createDirectories(dir);
        SafeTensors.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        AtomicFiles.writeBytes(dir.resolve(CONFIG_FILE), JSON.writeValueAsBytes(config));
    }

    /**
     * Reads a directory written by {@link #save} or downloaded from the HuggingFace hub. Tensor names may carry the
     * {@code transformer.} prefix or not; {@code lm_head.weight}, when present, must equal the token embedding
     * (GPT-2 ties them); the attention-mask buffers are skipped. Half-precision weights are widened to float32.
     * Tensors a task added (see {@link #read}) are left unread.
     */
    public static GptModel load(Path dir, Device device) throws IOException {
        return open(dir, device, false).model();
    }

    /**
     * {@link #load} that also returns the tensors that are not GPT-2's ({@code score.weight} of a
     * {@code GPT2ForSequenceClassification}) and the whole config. A name that looks like a GPT-2 tensor
     * ({@code transformer.*}, {@code h.*}, {@code wte.*}, ...) but is not one of this config's is still refused.
     */
    public static Loaded read(Path dir, Device device) throws IOException {
        return open(dir, device, true);
    }

    private static Loaded open(Path dir, Device device, boolean withExtras) throws IOException {
        Path configFile = dir.resolve(CONFIG_FILE);
        GptConfig config = readConfig(configFile);
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) {
            throw new NoSuchFileException(weights.toString(), null, "no " + WEIGHTS_FILE + " in " + dir);
        }
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            SequencedMap<String, NDArray> raw = SafeTensors.read(weights, manager,
                    name -> !MASK_BUFFER.matcher(name).matches() && (withExtras || !isExtra(name)));
            SequencedMap<String, NDArray> extras = new LinkedHashMap<>();
            SequencedMap<String, NDArray> gpt2 = new LinkedHashMap<>();
            raw.forEach((name, array) -> (isExtra(name) ? extras : gpt2).put(name, array));
            Map<String, NDArray> parameters = canonicalNames(gpt2, weights);
            checkShapes(config, parameters, weights);
            checkTiedHead(raw.get(LM_HEAD), parameters.get(GptLayout.TOKEN_EMBEDDING), weights);
            NDArray head = raw.get(LM_HEAD);
            if (head != null) {
                head.close();
            }
            GptModel model = new GptModel(config, manager, parameters);
            return new Loaded(model, Collections.unmodifiableSequencedMap(extras),
                    withExtras ? JSON.readTree(configFile.toFile()) : JSON.createObjectNode());
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Whether a tensor name belongs to a task rather than to GPT-2: neither the tied {@code lm_head.weight} nor
     * anything under {@code transformer.} or the base model's own top-level names.
     */
    static boolean isExtra(String name) {
        if (name.equals(LM_HEAD) || name.startsWith(GptLayout.PREFIX)) {
            return false;
        }
        return !GPT2_TOP_LEVEL.matcher(name).lookingAt();
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
