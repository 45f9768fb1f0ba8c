package dev.llmmesh.core.model;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.llmmesh.core.model.HuggingFaceRoundTripTest.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each way an upload can be wrong is refused from the files' headers, naming the file and what is wrong. */
class HuggingFaceFilesTest {
    private static final GptConfig TINY = new GptConfig(297, 16, 16, 2, 2, 0.0, 1e-5);

    @TempDir
    Path dir;

    /** A tensor of the header writer below: its dtype, shape and the byte every element's bytes are filled with. */
    record Spec(String dtype, Shape shape, int fill) {
    }

    @Test
    void aShapeThatIsNotTheConfigsNamesTheTensorAndBothShapes() throws IOException {
        copyTokenizer();
        Files.write(dir.resolve("config.json"), HuggingFaceFiles.configJson(TINY));
        Map<String, Spec> tensors = specs(TINY, "F32");
        tensors.put("transformer.h.1.mlp.c_fc.weight", new Spec("F32", new Shape(16, 60), 0));
        writeSafetensors(dir.resolve("model.safetensors"), tensors);
        InvalidModelFilesException e = assertThrows(InvalidModelFilesException.class, () -> HuggingFaceFiles.check(dir));
        assertEquals("model.safetensors", e.file());
        assertEquals("tensor transformer.h.1.mlp.c_fc.weight has shape (16, 60) but config.json implies (16, 64)",
                e.getMessage());
    }

    @Test
    void onlyFloatDtypesAreImported() throws IOException {
        copyTokenizer();
        Files.write(dir.resolve("config.json"), HuggingFaceFiles.configJson(TINY));
        Map<String, Spec> tensors = specs(TINY, "BF16");
        tensors.put("transformer.ln_f.bias", new Spec("I32", new Shape(16), 0));
        writeSafetensors(dir.resolve("model.safetensors"), tensors);
        InvalidModelFilesException e = assertThrows(InvalidModelFilesException.class, () -> HuggingFaceFiles.check(dir));
        assertEquals("tensor transformer.ln_f.bias has dtype I32; only F32, F16 and BF16 weights are imported",
                e.getMessage());
    }

    @Test
    void everyTokenOfTheTokenizerNeedsAnEmbeddingRowAndPaddedRowsAreFine() throws IOException {
        copyTokenizer();
        GptConfig smaller = TINY.withVocabSize(290);
        Files.write(dir.resolve("config.json"), HuggingFaceFiles.configJson(smaller));
        writeSafetensors(dir.resolve("model.safetensors"), specs(smaller, "F16"));
        InvalidModelFilesException e = assertThrows(InvalidModelFilesException.class, () -> HuggingFaceFiles.check(dir));
        assertEquals("vocab.json", e.file());
        assertEquals("the tokenizer has 297 tokens but config.json's vocab_size is 290; the embedding needs a row for "
                + "every token", e.getMessage());

        // padded, as nanoGPT pads 50257 to 50304: inference loads it, so import takes it
        GptConfig padded = TINY.withVocabSize(320);
        Files.write(dir.resolve("config.json"), HuggingFaceFiles.configJson(padded));
        writeSafetensors(dir.resolve("model.safetensors"), specs(padded, "F16"));
        assertEquals(320, HuggingFaceFiles.check(dir).config().vocabSize());
    }

    @Test
    void anUntiedHeadAMissingTensorAndMissingFilesAreNamed() throws IOException {
        Files.write(dir.resolve("config.json"), HuggingFaceFiles.configJson(TINY));
        Map<String, Spec> tensors = specs(TINY, "F32");
        writeSafetensors(dir.resolve("model.safetensors"), tensors);
        assertEquals("tokenizer.json", assertThrows(InvalidModelFilesException.class,
                () -> HuggingFaceFiles.check(dir)).file());
        Files.copy(fixture("gpt2-tiny-f32").resolve("vocab.json"), dir.resolve("vocab.json"));
        InvalidModelFilesException noMerges = assertThrows(InvalidModelFilesException.class,
                () -> HuggingFaceFiles.check(dir));
        assertEquals("merges.txt", noMerges.file());
        assertEquals("merges.txt is missing", noMerges.getMessage());
        Files.copy(fixture("gpt2-tiny-f32").resolve("merges.txt"), dir.resolve("merges.txt"));
        assertEquals(TINY, HuggingFaceFiles.check(dir).config());

        tensors.put("lm_head.weight", new Spec("F32", new Shape(297, 16), 1));
        writeSafetensors(dir.resolve("model.safetensors"), tensors);
        InvalidModelFilesException untied = assertThrows(InvalidModelFilesException.class,
                () -> HuggingFaceFiles.check(dir));
        assertTrue(untied.getMessage().startsWith("tensor lm_head.weight (F32 (297, 16)) is not tied to "
                + "transformer.wte.weight"), untied.getMessage());
        tensors.put("lm_head.weight", new Spec("F32", new Shape(297, 16), 0));
        writeSafetensors(dir.resolve("model.safetensors"), tensors);
        assertEquals(TINY, HuggingFaceFiles.check(dir).config(), "a head equal to wte is tied");

        tensors.remove("transformer.wpe.weight");
        writeSafetensors(dir.resolve("model.safetensors"), tensors);
        assertEquals("tensor transformer.wpe.weight is missing (config.json implies shape (16, 16))",
                assertThrows(InvalidModelFilesException.class, () -> HuggingFaceFiles.check(dir)).getMessage());

        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\"}");
        InvalidModelFilesException config = assertThrows(InvalidModelFilesException.class,
                () -> HuggingFaceFiles.check(dir));
        assertEquals("config.json", config.file());
        assertEquals("config.json: model_type llama is not gpt2", config.getMessage(), "no staging path leaks");
        Files.delete(dir.resolve("config.json"));
        assertEquals("config.json is missing", assertThrows(InvalidModelFilesException.class,
                () -> HuggingFaceFiles.check(dir)).getMessage());
    }

    private void copyTokenizer() throws IOException {
        for (String name : new String[] {"vocab.json", "merges.txt"}) {
            Files.copy(fixture("gpt2-tiny-f32").resolve(name), dir.resolve(name));
        }
    }

    private static Map<String, Spec> specs(GptConfig config, String dtype) {
        Map<String, Spec> specs = new LinkedHashMap<>();
        GptLayout.shapes(config).forEach((name, shape) -> specs.put(name, new Spec(dtype, shape, 0)));
        return specs;
    }

    /** A safetensors file written by hand, so these tests need no engine and can hold any dtype. */
    static void writeSafetensors(Path file, Map<String, Spec> tensors) throws IOException {
        ObjectNode header = new ObjectMapper().createObjectNode();
        long offset = 0;
        for (Map.Entry<String, Spec> entry : tensors.entrySet()) {
            Spec spec = entry.getValue();
            long bytes = spec.shape().size() * SafeTensors.Dtype.valueOf(spec.dtype()).bytes();
            ObjectNode node = header.putObject(entry.getKey()).put("dtype", spec.dtype());
            Arrays.stream(spec.shape().getShape()).forEach(node.putArray("shape")::add);
            node.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate((int) (8 + json.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json);
        for (Spec spec : tensors.values()) {
            long bytes = spec.shape().size() * SafeTensors.Dtype.valueOf(spec.dtype()).bytes();
            for (long i = 0; i < bytes; i++) {
                out.put((byte) spec.fill());
            }
        }
        Files.write(file, out.array());
    }
}
