package dev.llmmesh.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmmesh.core.tokenizer.HuggingFaceTokenizerJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPT-2 in HuggingFace's layout, both ways, against the independent PyTorch GPT-2 in {@code hf/make_fixtures.py}:
 * the directories it wrote load here with its logits, and the directory we write gives it ours. The expected numbers
 * and the sha256 come from that script (see its docstring for how to run it; CI has no torch).
 */
class HuggingFaceRoundTripTest {
    private static final double TOLERANCE = 1e-4;
    /** The seed make_fixtures.py's export direction was run on; the exported file is a function of it. */
    private static final long EXPORT_SEED = 7;

    @TempDir
    Path dir;

    @Test
    void loadsTheTorchWrittenF32DirectoryWithItsLogits() throws Exception {
        HuggingFaceFiles.Checked checked = HuggingFaceFiles.check(fixture("gpt2-tiny-f32"));
        assertEquals(297, checked.config().vocabSize());
        assertEquals(297, checked.tokenizer().vocabSize(), "vocab.json + merges.txt");
        assertEquals(1, checked.dtypes().size());
        assertEquals(29, checked.dtypes().get(SafeTensors.Dtype.F32), "28 parameters and the tied lm_head");
        assertFalse(checked.gpt2Tokenizer());
        assertLogits(fixture("gpt2-tiny-f32"), "gpt2-tiny-f32");
    }

    @Test
    void loadsTheTorchWrittenF16DirectoryWidenedWithItsLogits() throws Exception {
        HuggingFaceFiles.Checked checked = HuggingFaceFiles.check(fixture("gpt2-tiny-f16"));
        assertEquals(28, checked.dtypes().get(SafeTensors.Dtype.F16));
        assertEquals(297, checked.tokenizer().vocabSize(), "tokenizer.json");
        // Both tokenizer files spell one tokenizer.
        assertEquals(HuggingFaceFiles.check(fixture("gpt2-tiny-f32")).tokenizer().merges(),
                checked.tokenizer().merges());
        assertLogits(fixture("gpt2-tiny-f16"), "gpt2-tiny-f16");
    }

    @Test
    void theDirectoryWeWriteIsTheOneTorchReadAndGivesItsLogits() throws Exception {
        JsonNode expected = expected().get("exported");
        GptConfig config = HuggingFaceFiles.check(fixture("gpt2-tiny-f32")).config();
        try (GptModel model = GptModel.initialize(config, Device.cpu(), EXPORT_SEED)) {
            writeExport(model, dir);
            String exportDir = System.getProperty("hf.export.dir");
            if (exportDir != null) {
                // How make_fixtures.py's input was made: see its docstring.
                writeExport(model, Path.of(exportDir));
            }
            assertEquals(expected.get("sha256").asText(), sha256(dir.resolve(GptCheckpoint.WEIGHTS_FILE)),
                    "the file we write must be byte for byte the one the reference read");
            HuggingFaceFiles.Checked checked = HuggingFaceFiles.check(dir);
            assertEquals(config, checked.config());
            JsonNode json = new ObjectMapper().readTree(dir.resolve(GptCheckpoint.CONFIG_FILE).toFile());
            assertEquals("GPT2LMHeadModel", json.get("architectures").get(0).asText());
            assertEquals("gpt2", json.get("model_type").asText());
            assertClose(expected.get("logits"), logits(model), "exported");
        }
    }

    @Test
    void configJsonIsWhatCheckReadsBack() throws Exception {
        GptConfig config = new GptConfig(297, 16, 16, 2, 2, 0.0, 1e-5);
        Path source = fixture("gpt2-tiny-f32");
        for (String name : new String[] {"model.safetensors", "vocab.json", "merges.txt"}) {
            Files.copy(source.resolve(name), dir.resolve(name));
        }
        Files.write(dir.resolve("config.json"), HuggingFaceFiles.configJson(config));
        assertEquals(config, HuggingFaceFiles.check(dir).config());
    }

    /** integration-tests import the same directories through the gateway; their copy must not drift. */
    @Test
    void theIntegrationTestsCopyIsTheSame() throws IOException {
        Path copy = Path.of("..", "integration-tests", "src", "test", "resources", "hf");
        for (String name : new String[] {"expected.json", "gpt2-tiny-f32/config.json",
                "gpt2-tiny-f32/model.safetensors", "gpt2-tiny-f32/vocab.json", "gpt2-tiny-f32/merges.txt",
                "gpt2-tiny-f16/config.json", "gpt2-tiny-f16/model.safetensors", "gpt2-tiny-f16/tokenizer.json"}) {
            assertEquals(-1L, Files.mismatch(fixture(name), copy.resolve(name)), name + " differs from its copy in "
                    + copy);
        }
    }

    private static void writeExport(GptModel model, Path target) throws IOException {
        GptCheckpoint.save(model, target);
        HuggingFaceTokenizerJson.write(HuggingFaceFiles.check(fixture("gpt2-tiny-f32")).tokenizer(),
                target.resolve(HuggingFaceFiles.TOKENIZER_JSON));
    }

    private static void assertLogits(Path modelDir, String name) throws IOException {
        try (GptModel model = GptCheckpoint.load(modelDir, Device.cpu())) {
            assertClose(expected().get(name).get("logits"), logits(model), name);
        }
    }

    private static float[][] logits(GptModel model) throws IOException {
        JsonNode ids = expected().get("ids");
        long[] tokens = new long[ids.size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = ids.get(i).asLong();
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray out = model.forward(m.create(tokens, new Shape(1, tokens.length)), false);
            int vocab = (int) out.getShape().get(2);
            float[] flat = out.toFloatArray();
            float[][] rows = new float[tokens.length][vocab];
            for (int t = 0; t < tokens.length; t++) {
                System.arraycopy(flat, t * vocab, rows[t], 0, vocab);
            }
            return rows;
        }
    }

    private static void assertClose(JsonNode expected, float[][] actual, String name) {
        assertEquals(expected.size(), actual.length, name + ": positions");
        double worst = 0;
        for (int t = 0; t < actual.length; t++) {
            assertEquals(expected.get(t).size(), actual[t].length, name + ": vocabulary");
            for (int v = 0; v < actual[t].length; v++) {
                worst = Math.max(worst, Math.abs(expected.get(t).get(v).asDouble() - actual[t][v]));
            }
        }
        assertTrue(worst <= TOLERANCE, name + ": max |logit - reference| = " + worst);
    }

    private static JsonNode expected() throws IOException {
        return new ObjectMapper().readTree(fixture("expected.json").toFile());
    }

    static Path fixture(String name) {
        try {
            return Path.of(HuggingFaceRoundTripTest.class.getResource("hf/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
