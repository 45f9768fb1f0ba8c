package dev.llmmesh.core.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A {@link BpeModel} as HuggingFace's {@code tokenizer.json}, the file that {@code transformers},
 * {@code tokenizers} and DJL load: a BPE model whose vocabulary and merges spell tokens with
 * {@link ByteLevel}, GPT-2's ByteLevel pre-tokenizer, post-processor and decoder, and the special tokens as
 * added tokens.
 *
 * <p>Reading accepts such files from elsewhere too (GPT-2's own, merges written as {@code "a b"} or as
 * {@code ["a", "b"]}), and rejects whatever would make HuggingFace encode differently from
 * {@link BpeTokenizer}: another model type, a normalizer, another pre-tokenizer, subword prefixes.
 */
public final class HuggingFaceTokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceTokenizerJson() {
    }

    /**
     * Writes {@code file} whole or not at all: readers never see a half-written tokenizer.
     *
     * @throws IllegalArgumentException if a special token's text spells another token in ByteLevel (say
     *                                  {@code "!"}), since tokenizer.json maps each spelling to one id
     */
    public static void write(BpeModel model, Path file) throws IOException {
        byte[] json = bytes(model);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // Not Files.createTempFile: its owner-only permissions would follow the file into place.
        Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(json);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                // Durable before it becomes visible, so a crash cannot leave an empty file under the real name.
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** Writes to a stream, for stores that make the write atomic themselves. */
    public static void write(BpeModel model, OutputStream out) throws IOException {
        out.write(bytes(model));
    }

    private static byte[] bytes(BpeModel model) throws JsonProcessingException {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson(model));
    }

    /**
     * @throws IOException if the file is not JSON, or not a byte-level BPE tokenizer this library can
     *                     encode exactly as HuggingFace does; the message says what is wrong
     */
    public static BpeModel read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.toString());
    }

    /** @param source names the input in error messages */
    public static BpeModel read(InputStream in, String source) throws IOException {
        return read(in.readAllBytes(), source);
    }

    private static BpeModel read(byte[] content, String source) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (JsonProcessingException e) {
            throw new IOException(source + ": not readable as JSON: " + e.getOriginalMessage(), e);
        }
        try {
            return fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    static ObjectNode toJson(BpeModel model) {
        var specialIds = new TreeMap<Integer, String>();
        model.specialTokens().forEach((text, id) -> specialIds.put(id, text));

        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        specialIds.forEach((id, text) -> added.addObject()
                .put("id", id)
                .put("content", text)
                .put("single_word", false)
                .put("lstrip", false)
                .put("rstrip", false)
                .put("normalized", false)
                .put("special", true));
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(true));
        // Offsets of a byte-level token include its leading space, as GPT-2's do.
        root.set("post_processor", byteLevel(false));
        root.set("decoder", byteLevel(true));

        ObjectNode bpe = root.putObject("model");
        bpe.put("type", "BPE");
        bpe.putNull("dropout");
        bpe.putNull("unk_token");
        bpe.putNull("continuing_subword_prefix");
        bpe.putNull("end_of_word_suffix");
        bpe.put("fuse_unk", false);
        bpe.put("byte_fallback", false);
        bpe.put("ignore_merges", false);
        ObjectNode vocab = bpe.putObject("vocab");
        String[] spelled = new String[model.vocabSize()];
        for (int id = 0; id < spelled.length; id++) {
            // Special tokens keep their text, as HuggingFace's own trainer writes them.
            spelled[id] = specialIds.containsKey(id) ? specialIds.get(id) : ByteLevel.encode(model.tokens().get(id));
            JsonNode clash = vocab.get(spelled[id]);
            if (clash != null) {
                throw new IllegalArgumentException("tokens %d and %d are both spelled \"%s\" in tokenizer.json, "
                        .formatted(clash.intValue(), id, spelled[id])
                        + "which maps each spelling to one id; a special token must not look like a byte-level token");
            }
            vocab.put(spelled[id], id);
        }
        ArrayNode merges = bpe.putArray("merges");
        for (Merge m : model.merges()) {
            merges.add(spelled[m.left()] + " " + spelled[m.right()]);
        }
        return root;
    }

    private static ObjectNode byteLevel(boolean trimOffsets) {
        return JSON.createObjectNode()
                .put("type", "ByteLevel")
                .put("add_prefix_space", false)
                .put("trim_offsets", trimOffsets)
                .put("use_regex", true);
    }

    static BpeModel fromJson(JsonNode root) {
        if (!root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object, got " + root.getNodeType());
        }
        JsonNode model = required(root, "model", "");
        String type = model.path("type").asText("");
        if (!type.equals("BPE")) {
            throw new IllegalArgumentException("unsupported model type \"" + type + "\": only BPE can be read");
        }
        checkSupported(root, model);

        Map<String, Integer> vocab = new HashMap<>();
        int size = 0;
        for (var e : required(model, "vocab", "model.").properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().intValue() < 0) {
                throw new IllegalArgumentException("model.vocab: \"" + e.getKey() + "\" has id " + e.getValue()
                        + ", expected an int >= 0");
            }
            vocab.put(e.getKey(), e.getValue().intValue());
            size = Math.max(size, e.getValue().intValue() + 1);
        }

        Map<String, Integer> specials = new HashMap<>();
        for (JsonNode token : root.path("added_tokens")) {
            String content = token.path("content").asText(null);
            JsonNode id = token.path("id");
            if (content == null || !id.canConvertToInt() || id.intValue() < 0) {
                throw new IllegalArgumentException("added token " + token + " needs a \"content\" and an int \"id\"");
            }
            if (!token.path("special").asBoolean(false)) {
                throw new IllegalArgumentException("added token \"" + content + "\" (id " + id.intValue()
                        + ") is not special; only special added tokens are supported");
            }
            Integer inVocab = vocab.get(content);
            if (inVocab != null && inVocab != id.intValue()) {
                throw new IllegalArgumentException("added token \"" + content + "\" has id " + id.intValue()
                        + " but model.vocab gives it " + inVocab);
            }
            specials.put(content, id.intValue());
            size = Math.max(size, id.intValue() + 1);
        }

        if (size > vocab.size() + specials.size()) {
            throw new IllegalArgumentException(
                    "ids must run from 0 without gaps, but the largest is %d and there are only %d tokens"
                            .formatted(size - 1, vocab.size() + specials.size()));
        }
        byte[][] tokens = new byte[size][];
        String[] owner = new String[size];
        for (var e : specials.entrySet()) {
            claim(tokens, owner, e.getValue(), e.getKey(), e.getKey().getBytes(StandardCharsets.UTF_8));
        }
        for (var e : vocab.entrySet()) {
            if (specials.containsKey(e.getKey())) {
                continue;
            }
            byte[] bytes;
            try {
                bytes = ByteLevel.decode(e.getKey());
            } catch (IllegalArgumentException notByteLevel) {
                throw new IllegalArgumentException("model.vocab: " + notByteLevel.getMessage(), notByteLevel);
            }
            claim(tokens, owner, e.getValue(), e.getKey(), bytes);
        }
        for (int id = 0; id < size; id++) {
            if (tokens[id] == null) {
                throw new IllegalArgumentException("no token has id " + id + "; ids must run from 0 to "
                        + (size - 1) + " without gaps");
            }
        }

        List<Merge> merges = new ArrayList<>();
        int rank = 0;
        for (JsonNode merge : required(model, "merges", "model.")) {
            String[] pair = mergePair(merge, rank);
            Integer left = vocab.get(pair[0]);
            Integer right = vocab.get(pair[1]);
            for (int side = 0; side < 2; side++) {
                if ((side == 0 ? left : right) == null) {
                    throw new IllegalArgumentException("merge %d (%s) names \"%s\", which is not in model.vocab"
                            .formatted(rank, merge, pair[side]));
                }
            }
            Integer result = vocab.get(pair[0] + pair[1]);
            if (result == null) {
                throw new IllegalArgumentException("merge %d (%s) makes \"%s\", which is not in model.vocab"
                        .formatted(rank, merge, pair[0] + pair[1]));
            }
            merges.add(new Merge(left, right, result));
            rank++;
        }
        return new BpeModel(Arrays.asList(tokens), merges, specials);
    }

    /** Settings with which HuggingFace would not split, merge or decode as {@link BpeTokenizer} does. */
    private static void checkSupported(JsonNode root, JsonNode model) {
        if (!root.path("normalizer").isNull() && !root.path("normalizer").isMissingNode()) {
            throw new IllegalArgumentException("normalizer " + root.get("normalizer")
                    + " is not supported: byte-level BPE here encodes the text as given");
        }
        JsonNode pre = root.path("pre_tokenizer");
        // HuggingFace's ByteLevel defaults: add_prefix_space and use_regex are true when left out.
        if (!pre.path("type").asText("").equals("ByteLevel") || pre.path("add_prefix_space").asBoolean(true)
                || !pre.path("use_regex").asBoolean(true)) {
            throw new IllegalArgumentException("pre_tokenizer " + pre + " is not supported: expected ByteLevel with "
                    + "add_prefix_space false and use_regex true (GPT-2's split)");
        }
        JsonNode decoder = root.path("decoder");
        if (!decoder.isNull() && !decoder.isMissingNode() && !decoder.path("type").asText("").equals("ByteLevel")) {
            throw new IllegalArgumentException("decoder " + decoder + " is not supported: expected ByteLevel");
        }
        for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (!model.path(affix).asText("").isEmpty()) {
                throw new IllegalArgumentException("model." + affix + " \"" + model.get(affix).asText()
                        + "\" is not supported by byte-level BPE");
            }
        }
        if (model.path("ignore_merges").asBoolean(false)) {
            throw new IllegalArgumentException(
                    "model.ignore_merges true is not supported: tokens are made by merges only");
        }
        JsonNode dropout = model.path("dropout");
        if (!dropout.isNull() && !dropout.isMissingNode() && dropout.asDouble() != 0) {
            throw new IllegalArgumentException(
                    "model.dropout " + dropout + " is not supported: encoding is deterministic");
        }
    }

    private static void claim(byte[][] tokens, String[] owner, int id, String spelling, byte[] bytes) {
        if (tokens[id] != null) {
            throw new IllegalArgumentException(
                    "id %d is given to both \"%s\" and \"%s\"".formatted(id, owner[id], spelling));
        }
        tokens[id] = bytes;
        owner[id] = spelling;
    }

    /** Older files write a merge as {@code "a b"}, newer ones as {@code ["a", "b"]}. */
    private static String[] mergePair(JsonNode merge, int rank) {
        if (merge.isTextual()) {
            String[] pair = merge.asText().split(" ", -1);
            if (pair.length == 2) {
                return pair;
            }
        } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
            return new String[] {merge.get(0).asText(), merge.get(1).asText()};
        }
        throw new IllegalArgumentException("merge " + rank + " is " + merge
                + ", expected \"left right\" or [\"left\", \"right\"]");
    }

    private static JsonNode required(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("\"" + path + field + "\" is missing");
        }
        return node;
    }
}
