package dev.llmmesh.core.model;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.llmmesh.core.tokenizer.BpeModel;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.tokenizer.HuggingFaceTokenizerJson;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A HuggingFace GPT-2 directory checked before it becomes a model here: {@code config.json} (as
 * {@link GptCheckpoint} reads it), {@code model.safetensors} (from its header only: names, shapes and dtypes; no
 * weight is loaded, so a gateway without libtorch can check it) and the tokenizer, as {@code tokenizer.json} or as
 * {@code vocab.json} + {@code merges.txt}. What passes, {@link GptCheckpoint#load} reads.
 */
public final class HuggingFaceFiles {
    public static final String TOKENIZER_JSON = "tokenizer.json";
    public static final String VOCAB_JSON = "vocab.json";
    public static final String MERGES_TXT = "merges.txt";
    /** The files an upload may hold: the model's own and one of the two tokenizer forms. */
    public static final Set<String> NAMES = Set.of(GptCheckpoint.CONFIG_FILE, GptCheckpoint.WEIGHTS_FILE,
            TOKENIZER_JSON, VOCAB_JSON, MERGES_TXT);

    /**
     * What a hub download of GPT-2 holds besides the model: metadata no load here reads (generation defaults, the
     * tokenizer's HF-side settings, the model card). An import skips them and says so.
     */
    public static final Set<String> METADATA = Set.of("generation_config.json", "tokenizer_config.json",
            "special_tokens_map.json", "added_tokens.json", "README.md", ".gitattributes", "LICENSE");
    /** The same weights in the other frameworks' formats: redundant beside model.safetensors, unread without it. */
    public static final Set<String> OTHER_WEIGHTS = Set.of("pytorch_model.bin", "tf_model.h5", "flax_model.msgpack",
            "rust_model.ot", "model.onnx", "64.tflite", "64-8bits.tflite", "64-fp16.tflite");
    private static final String SHARD_INDEX = "model.safetensors.index.json";

    /** float32 and the two half precisions: {@link SafeTensors} widens the latter as it reads. */
    private static final Set<SafeTensors.Dtype> FLOATS = EnumSet.of(SafeTensors.Dtype.F32, SafeTensors.Dtype.F16,
            SafeTensors.Dtype.BF16);
    private static final String LM_HEAD = "lm_head.weight";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HuggingFaceFiles() {
    }

    /**
     * A directory that passed {@link #check}.
     *
     * @param config    the model's shape, from config.json
     * @param tokenizer the tokenizer, from whichever form was given
     * @param dtypes    how many tensors of each dtype the weights hold
     */
    public record Checked(GptConfig config, BpeModel tokenizer, Map<SafeTensors.Dtype, Integer> dtypes) {
        /** Whether the tokenizer is GPT-2's own, token for token and merge for merge. */
        public boolean gpt2Tokenizer() {
            return Gpt2Vocabulary.isGpt2(tokenizer);
        }
    }

    /**
     * Checks {@code dir} as a whole: config, every tensor's dtype and shape against the config, a tied (or absent)
     * LM head, and the tokenizer's vocabulary against the config's {@code vocab_size}.
     *
     * @throws InvalidModelFilesException naming the file, and the tensor where there is one, at fault
     */
    public static Checked check(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            checkWeightsFormat(files.map(f -> f.getFileName().toString()).toList());
        }
        GptConfig config = config(dir);
        Map<SafeTensors.Dtype, Integer> dtypes = weights(dir, config);
        BpeModel tokenizer = tokenizer(dir);
        // The embedding may have more rows than the tokenizer has tokens (padded to a multiple of 64 for speed, as
        // nanoGPT's 50304): inference loads such a model; fewer rows would leave tokens without an embedding.
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new InvalidModelFilesException(tokenizerFile(dir), "the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but config.json's vocab_size is " + config.vocabSize() + "; the embedding needs a row "
                    + "for every token");
        }
        return new Checked(config, tokenizer, dtypes);
    }

    /** Whether an import skips the file {@code name}: known metadata, or weights in a format other than ours. */
    public static boolean skipped(String name) {
        return METADATA.contains(name) || OTHER_WEIGHTS.contains(name);
    }

    /**
     * Refuses what an import cannot take for its weights, given the names of the files it has: sharded safetensors,
     * or only another framework's format (read as nothing, it would be a missing model.safetensors without a hint).
     */
    public static void checkWeightsFormat(Collection<String> names) throws InvalidModelFilesException {
        if (names.contains(SHARD_INDEX)) {
            throw new InvalidModelFilesException(SHARD_INDEX, "sharded weights (" + SHARD_INDEX + ") are not "
                    + "imported; save the model as one model.safetensors (save_pretrained(dir, "
                    + "max_shard_size=\"100GB\"))");
        }
        if (names.contains(GptCheckpoint.WEIGHTS_FILE)) {
            return;
        }
        for (String other : OTHER_WEIGHTS.stream().sorted().toList()) {
            if (names.contains(other)) {
                throw new InvalidModelFilesException(other, other + " is not imported: only model.safetensors "
                        + "weights are; convert with Python: GPT2LMHeadModel.from_pretrained(dir)"
                        + ".save_pretrained(out, safe_serialization=True), then upload out/model.safetensors");
            }
        }
    }

    /** The config.json this project writes for {@code config}: with {@code architectures} and {@code model_type}. */
    public static byte[] configJson(GptConfig config) throws IOException {
        return JSON.writeValueAsBytes(GptCheckpoint.configJson(config));
    }

    /**
     * {@link #configJson(GptConfig)} for imported weights kept as they came: {@code torch_dtype} says the stored
     * dtype (the one most tensors have), so {@code from_pretrained(torch_dtype="auto")} loads them as they are.
     */
    public static byte[] configJson(Checked checked) throws IOException {
        var json = GptCheckpoint.configJson(checked.config());
        SafeTensors.Dtype stored = checked.dtypes().entrySet().stream().max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey).orElse(SafeTensors.Dtype.F32);
        json.put("torch_dtype", switch (stored) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        return JSON.writeValueAsBytes(json);
    }

    private static GptConfig config(Path dir) throws IOException {
        Path file = present(dir, GptCheckpoint.CONFIG_FILE);
        try {
            return GptCheckpoint.readConfig(file);
        } catch (InvalidModelFilesException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidModelFilesException(GptCheckpoint.CONFIG_FILE, local(e, file));
        }
    }

    private static Map<SafeTensors.Dtype, Integer> weights(Path dir, GptConfig config) throws IOException {
        Path file = present(dir, GptCheckpoint.WEIGHTS_FILE);
        String name = GptCheckpoint.WEIGHTS_FILE;
        SafeTensors.Header header;
        try {
            header = SafeTensors.readHeader(file);
        } catch (IOException e) {
            throw new InvalidModelFilesException(name, local(e, file));
        }
        Map<String, Shape> expected = GptLayout.shapes(config);
        Map<String, String> fileNames = new HashMap<>();
        Map<SafeTensors.Dtype, Integer> dtypes = new LinkedHashMap<>();
        for (Map.Entry<String, SafeTensors.TensorInfo> entry : header.tensors().entrySet()) {
            String tensor = entry.getKey();
            SafeTensors.TensorInfo info = entry.getValue();
            if (GptCheckpoint.MASK_BUFFER.matcher(tensor).matches()) {
                continue;
            }
            if (!FLOATS.contains(info.dtype())) {
                throw new InvalidModelFilesException(name, "tensor " + tensor + " has dtype " + info.dtype()
                        + "; only F32, F16 and BF16 weights are imported");
            }
            dtypes.merge(info.dtype(), 1, Integer::sum);
            if (tensor.equals(LM_HEAD)) {
                continue;
            }
            String canonical = tensor.startsWith(GptLayout.PREFIX) ? tensor : GptLayout.PREFIX + tensor;
            Shape wanted = expected.get(canonical);
            if (wanted == null) {
                throw new InvalidModelFilesException(name, "tensor " + tensor + " is not a GPT-2 parameter");
            }
            if (fileNames.put(canonical, tensor) != null) {
                throw new InvalidModelFilesException(name, "tensor " + canonical + " is there twice, with and "
                        + "without the " + GptLayout.PREFIX + " prefix");
            }
            if (!info.shape().equals(wanted)) {
                throw new InvalidModelFilesException(name, "tensor " + tensor + " has shape " + info.shape()
                        + " but config.json implies " + wanted);
            }
        }
        for (Map.Entry<String, Shape> entry : expected.entrySet()) {
            if (!fileNames.containsKey(entry.getKey())) {
                throw new InvalidModelFilesException(name, "tensor " + entry.getKey() + " is missing (config.json "
                        + "implies shape " + entry.getValue() + ")");
            }
        }
        SafeTensors.TensorInfo head = header.tensors().get(LM_HEAD);
        if (head != null) {
            String wteName = fileNames.get(GptLayout.TOKEN_EMBEDDING);
            checkTied(file, header, head, header.tensors().get(wteName), wteName);
        }
        return dtypes;
    }

    /** GPT-2 ties its head to the token embedding; a head that differs cannot be represented here. */
    private static void checkTied(Path file, SafeTensors.Header header, SafeTensors.TensorInfo head,
                                  SafeTensors.TensorInfo wte, String wteName) throws IOException {
        String untied = "tensor " + LM_HEAD + " (" + head.dtype() + " " + head.shape() + ") is not tied to "
                + wteName + " (" + wte.dtype() + " " + wte.shape() + "); only a tied or absent LM head is supported";
        if (head.dtype() != wte.dtype() || !head.shape().equals(wte.shape())) {
            throw new InvalidModelFilesException(GptCheckpoint.WEIGHTS_FILE, untied);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer a = ByteBuffer.allocate(1 << 16);
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            for (long done = 0; done < head.byteSize(); ) {
                int n = (int) Math.min(a.capacity(), head.byteSize() - done);
                readFully(channel, a.clear().limit(n), header.dataStart() + head.begin() + done);
                readFully(channel, b.clear().limit(n), header.dataStart() + wte.begin() + done);
                if (!a.flip().equals(b.flip())) {
                    throw new InvalidModelFilesException(GptCheckpoint.WEIGHTS_FILE, untied);
                }
                done += n;
            }
        }
    }

    private static BpeModel tokenizer(Path dir) throws IOException {
        Path json = dir.resolve(TOKENIZER_JSON);
        if (Files.isRegularFile(json)) {
            try {
                return HuggingFaceTokenizerJson.read(json);
            } catch (IOException e) {
                throw new InvalidModelFilesException(TOKENIZER_JSON, local(e, json));
            }
        }
        Path vocab = dir.resolve(VOCAB_JSON);
        Path merges = dir.resolve(MERGES_TXT);
        if (!Files.isRegularFile(vocab) && !Files.isRegularFile(merges)) {
            throw new InvalidModelFilesException(TOKENIZER_JSON, "no tokenizer: give tokenizer.json, or vocab.json "
                    + "and merges.txt");
        }
        present(dir, VOCAB_JSON);
        present(dir, MERGES_TXT);
        try (InputStream v = Files.newInputStream(vocab); InputStream m = Files.newInputStream(merges)) {
            return Gpt2Vocabulary.fromEncoderJson(v, m);
        } catch (IOException | RuntimeException e) {
            String message = e.getMessage().replace("encoder.json", VOCAB_JSON).replace("vocab.bpe", MERGES_TXT);
            throw new InvalidModelFilesException(message.startsWith(MERGES_TXT) ? MERGES_TXT : VOCAB_JSON, message);
        }
    }

    private static String tokenizerFile(Path dir) {
        return Files.isRegularFile(dir.resolve(TOKENIZER_JSON)) ? TOKENIZER_JSON : VOCAB_JSON;
    }

    private static Path present(Path dir, String name) throws InvalidModelFilesException {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelFilesException(name, name + " is missing");
        }
        return file;
    }

    /** The readers name the file by its path; the uploader knows it by its name. */
    private static String local(IOException e, Path file) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return message.replace(file.toString(), file.getFileName().toString());
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new InvalidModelFilesException(GptCheckpoint.WEIGHTS_FILE, "unexpected end of file");
            }
        }
    }
}
