package dev.llmmesh.core.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * A classifier directory in HuggingFace's {@code GPT2ForSequenceClassification} layout: {@code model.safetensors}
 * with the {@code transformer.*} weights and {@code score.weight} (no {@code lm_head}), and a GPT-2
 * {@code config.json} whose {@code architectures} is {@code ["GPT2ForSequenceClassification"]}, with
 * {@code id2label} / {@code label2id} (HuggingFace derives {@code num_labels} from them), {@code pad_token_id}, and
 * our own {@code classifier_max_length}, {@code classifier_pooling} and {@code classifier_truncation}. The GPT-2
 * part is {@link GptCheckpoint}'s; this adds the head.
 *
 * <p>transformers reads {@code score.weight} at the last real token whatever the config says: a {@code mean} pooled
 * classifier loads there unchanged, weights and all, but its probabilities are the score of the mean of
 * {@code hidden_states[-1]} over the real tokens, which the config's {@code classifier_pooling} tells a reader.
 */
public final class ClassifierCheckpoint {
    public static final String ARCHITECTURE = "GPT2ForSequenceClassification";
    /** Ours, not HuggingFace's: the length the classifier was trained to read (transformers ignores it). */
    public static final String MAX_LENGTH_FIELD = "classifier_max_length";
    /** Ours too: {@link Pooling#wireName()}; absent (HuggingFace's own files) means {@code last}. */
    public static final String POOLING_FIELD = "classifier_pooling";
    /** Ours too: {@link Truncation#wireName()}; absent (HuggingFace's files, older classifiers) means {@code head}. */
    public static final String TRUNCATION_FIELD = "classifier_truncation";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ClassifierCheckpoint() {
    }

    /** Writes {@code dir/model.safetensors} and {@code dir/config.json}, each atomically. */
    public static void save(ClassifierModel model, Path dir) throws IOException {
        ObjectNode config = JSON.createObjectNode();
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
        config.put(POOLING_FIELD, model.pooling().wireName());
        config.put(TRUNCATION_FIELD, model.truncation().wireName());
        SequencedMap<String, NDArray> head = new LinkedHashMap<>();
        head.put(ClassifierModel.SCORE, model.parameters().get(ClassifierModel.SCORE));
        GptCheckpoint.save(model.base(), head, config, dir);
    }

    /** Whether {@code dir} holds a classifier: its {@code config.json} names {@value #ARCHITECTURE}. */
    public static boolean isClassifier(Path dir) {
        Path file = dir.resolve(GptCheckpoint.CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try {
            return isClassifier(JSON.readTree(file.toFile()));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isClassifier(JsonNode config) {
        for (JsonNode architecture : config.path("architectures")) {
            if (ARCHITECTURE.equals(architecture.asText())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads a directory written by {@link #save}, or by {@code GPT2ForSequenceClassification.save_pretrained} with
     * safetensors. Labels come from {@code id2label}, whose ids must be 0..n-1; without
     * {@code classifier_max_length} the model reads up to its whole context; without {@code pad_token_id} it pads
     * with 0; without {@code classifier_pooling} it reads the last token, as transformers does; without
     * {@code classifier_truncation} it reads the first tokens of a longer input.
     */
    public static ClassifierModel load(Path dir, Device device) throws IOException {
        GptCheckpoint.Loaded loaded = GptCheckpoint.read(dir, device);
        GptModel base = loaded.model();
        try {
            JsonNode json = loaded.configJson();
            Path file = dir.resolve(GptCheckpoint.CONFIG_FILE);
            if (!isClassifier(json)) {
                throw new IOException(file + ": architectures " + json.path("architectures") + " is not ["
                        + ARCHITECTURE + "]");
            }
            List<String> labels = labels(json, file);
            NDArray score = loaded.extras().get(ClassifierModel.SCORE);
            Shape expected = new Shape(labels.size(), base.config().embedDim());
            if (score == null) {
                throw new IOException(dir + " lacks tensor " + ClassifierModel.SCORE + " (expected shape " + expected
                        + ")");
            }
            if (!score.getShape().equals(expected)) {
                throw new IOException(dir + ": tensor " + ClassifierModel.SCORE + " has shape " + score.getShape()
                        + " but config.json's " + labels.size() + " labels imply " + expected);
            }
            List<String> unknown = loaded.extras().keySet().stream()
                    .filter(name -> !name.equals(ClassifierModel.SCORE)).toList();
            if (!unknown.isEmpty()) {
                throw new IOException(dir + " holds tensors " + unknown + ", which a " + ARCHITECTURE
                        + " does not have");
            }
            if (score.getDataType() != DataType.FLOAT32) {
                throw new IOException(dir + ": tensor " + ClassifierModel.SCORE + " is " + score.getDataType());
            }
            int maxLength = json.path(MAX_LENGTH_FIELD).asInt(base.config().contextLength());
            int pad = json.path("pad_token_id").isIntegralNumber() ? json.get("pad_token_id").asInt() : 0;
            try {
                Pooling pooling = json.has(POOLING_FIELD) ? Pooling.of(json.get(POOLING_FIELD).asText())
                        : Pooling.LAST;
                Truncation truncation = json.has(TRUNCATION_FIELD)
                        ? Truncation.of(json.get(TRUNCATION_FIELD).asText()) : Truncation.HEAD;
                return new ClassifierModel(base, score, labels, maxLength, pad, pooling, truncation);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
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
}
