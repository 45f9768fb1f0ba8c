package dev.llmmesh.gateway.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.tokenizer.ByteLevel;
import dev.llmmesh.gateway.TestGateways;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/models/import} and {@code GET /v1/models/{id}/files[/{name}]} over HTTP on the testkit's Kafka: an
 * upload is checked whole before anything is published, and a published model downloads as the files it has.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelImportApiTest implements UsesMeshInfra {
    /** Small enough that the 413 test can pass it without sending much. */
    private static final long MAX_BYTES = 4L << 20;
    /** Other test classes share the broker: every model id here is this run's own. */
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Path artifacts;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        artifacts = TestGateways.artifactsDir();
        Map<String, String> props = TestGateways.properties(artifacts, false);
        props.put("llm.gateway.max-model-bytes", Long.toString(MAX_BYTES));
        return props;
    }

    record Reply(int status, JsonNode body, byte[] bytes) {
        String field() {
            return body.path("field").asText();
        }

        String detail() {
            return body.path("detail").asText();
        }

        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    @Test
    void anUploadIsPublishedAndDownloadsAsTheFilesItHas() throws Exception {
        String id = "hf-" + run;
        Map<String, byte[]> files = directory(257, "F32");
        Reply created = upload(id, files);
        assertEquals(201, created.status(), created.text());
        assertEquals(id, created.body().get("id").asText());
        assertEquals("base", created.body().get("kind").asText());
        assertTrue(created.body().get("parent").isNull());
        assertEquals(id + "-tokenizer", created.body().get("tokenizer_id").asText(), "its own tokenizer");
        assertEquals("import-" + id, created.body().get("job_id").asText());
        assertEquals(257, created.body().get("config").get("vocabSize").asInt());
        assertEquals(0, created.body().get("metrics").size());
        assertFalse(created.body().has("labels"), "only a classifier has labels");
        assertEquals(id, get("/v1/models/" + id).body().get("id").asText(), "published on llm.models");
        assertTrue(Files.isRegularFile(artifacts.resolve("tokenizers/" + id + "-tokenizer/tokenizer.json")),
                "registered where the tokenizer registry looks");
        assertFalse(Files.exists(artifacts.resolve("staging")) && Files.list(artifacts.resolve("staging"))
                .findAny().isPresent(), "the staged upload is gone");

        Reply list = get("/v1/models/" + id + "/files");
        assertEquals(200, list.status(), list.text());
        List<String> names = new ArrayList<>();
        list.body().get("data").forEach(f -> names.add(f.get("name").asText()));
        assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json"), names);
        JsonNode weights = list.body().get("data").get(1);
        assertEquals(files.get("model.safetensors").length, weights.get("bytes").asLong());
        assertEquals(sha256(files.get("model.safetensors")), weights.get("sha256").asText());

        Reply download = get("/v1/models/" + id + "/files/model.safetensors");
        assertEquals(200, download.status());
        assertArrayEquals(files.get("model.safetensors"), download.bytes(), "the weights come back as uploaded");
        JsonNode config = Json.LENIENT.readTree(get("/v1/models/" + id + "/files/config.json").bytes());
        assertEquals("GPT2LMHeadModel", config.get("architectures").get(0).asText());
        assertEquals("gpt2", config.get("model_type").asText());
        assertEquals("float32", config.get("torch_dtype").asText());
        JsonNode tokenizer = Json.LENIENT.readTree(get("/v1/models/" + id + "/files/tokenizer.json").bytes());
        assertEquals(257, tokenizer.get("model").get("vocab").size(), "every token, <|endoftext|> included");

        Reply again = upload(id, files);
        assertEquals(409, again.status(), again.text());
        assertEquals("modelId", again.field());

        Reply noFile = get("/v1/models/" + id + "/files/pytorch_model.bin");
        assertEquals(404, noFile.status());
        assertEquals("name", noFile.field());
        Reply noModel = get("/v1/models/nothing-" + run + "/files");
        assertEquals(404, noModel.status());
        assertEquals("id", noModel.field());
    }

    @Test
    void gpt2sOwnTokenizerIsReusedAndHalfPrecisionIsKept() throws Exception {
        String id = "hf-gpt2-" + run;
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", config(50257));
        files.put("model.safetensors", safetensors(shapes(50257), "BF16", Map.of()));
        files.put("vocab.json", resource("encoder.json"));
        files.put("merges.txt", resource("vocab.bpe"));
        Reply created = upload(id, files);
        assertEquals(201, created.status(), created.text());
        assertEquals("gpt2", created.body().get("tokenizer_id").asText());
        assertFalse(Files.exists(artifacts.resolve("tokenizers/" + id + "-tokenizer")));
        assertArrayEquals(files.get("model.safetensors"), get("/v1/models/" + id + "/files/model.safetensors").bytes());
        assertEquals("bfloat16", Json.LENIENT.readTree(get("/v1/models/" + id + "/files/config.json").bytes())
                .get("torch_dtype").asText(), "the dtype the weights are stored in");
    }

    @Test
    void aBadUploadIsRefusedNamingTheFileAndNothingIsPublished() throws Exception {
        String id = "hf-bad-" + run;
        Map<String, long[]> wrongShape = shapes(257);
        wrongShape.put("transformer.h.0.attn.c_attn.weight", new long[] {8, 20});
        Map<String, byte[]> files = directory(257, "F32");
        files.put("model.safetensors", safetensors(wrongShape, "F32", Map.of()));
        assertRefused(upload(id, files), 400, "model.safetensors",
                "tensor transformer.h.0.attn.c_attn.weight has shape (8, 20) but config.json implies (8, 24)");

        files.put("model.safetensors", safetensors(shapes(257), "F32", Map.of("transformer.wpe.weight", "F64")));
        assertRefused(upload(id, files), 400, "model.safetensors",
                "tensor transformer.wpe.weight has dtype F64; only F32, F16 and BF16 weights are imported");

        files = directory(257, "F16");
        files.put("config.json", config(250));
        files.put("model.safetensors", safetensors(shapes(250), "F16", Map.of()));
        assertRefused(upload(id, files), 400, "vocab.json",
                "the tokenizer has 257 tokens but config.json's vocab_size is 250; the embedding needs a row for every "
                        + "token");

        files = directory(257, "F32");
        files.remove("model.safetensors");
        assertRefused(upload(id, files), 400, "model.safetensors", "model.safetensors is missing");

        files = directory(257, "F32");
        files.put("notes.txt", new byte[10]);
        Reply unexpected = upload(id, files);
        assertEquals(400, unexpected.status(), unexpected.text());
        assertEquals("notes.txt", unexpected.field());

        files = directory(257, "F32");
        files.remove("model.safetensors");
        files.put("pytorch_model.bin", new byte[10]);
        Reply pickle = upload(id, files);
        assertEquals(400, pickle.status(), pickle.text());
        assertEquals("pytorch_model.bin", pickle.field());
        assertTrue(pickle.detail().startsWith("pytorch_model.bin is not imported: only model.safetensors weights "
                + "are; convert with Python"), pickle.detail());

        files = directory(257, "F32");
        files.put("model.safetensors.index.json", new byte[2]);
        assertEquals("model.safetensors.index.json", upload(id, files).field(), "sharded weights");

        Reply noId = upload(null, directory(257, "F32"));
        assertRefused(noId, 400, "modelId", "modelId is required: the new model's id");
        assertEquals("modelId", upload("../up", directory(257, "F32")).field());

        files = directory(257, "F32");
        files.put("model.safetensors", new byte[(int) MAX_BYTES + 1]);
        Reply tooLarge = upload(id, files);
        assertEquals(413, tooLarge.status(), tooLarge.text());
        assertEquals("body", tooLarge.field());

        assertEquals(404, get("/v1/models/" + id).status(), "nothing was published");
        assertFalse(Files.exists(artifacts.resolve("models/" + id)), "nor written");
    }

    @Test
    void aHubDownloadsMetadataAndOtherWeightFormatsAreSkippedAndListed() throws Exception {
        String id = "hf-hub-" + run;
        Map<String, byte[]> files = directory(257, "F16");
        for (String name : List.of("generation_config.json", "tokenizer_config.json", "special_tokens_map.json",
                "README.md", ".gitattributes", "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack")) {
            files.put(name, name.getBytes(StandardCharsets.UTF_8));
        }
        Reply created = upload(id, files);
        assertEquals(201, created.status(), created.text());
        List<String> ignored = new ArrayList<>();
        created.body().get("ignoredFiles").forEach(f -> ignored.add(f.asText()));
        assertEquals(List.of("generation_config.json", "tokenizer_config.json", "special_tokens_map.json",
                "README.md", ".gitattributes", "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack"), ignored,
                "in the order sent");
        assertEquals(id, created.body().get("id").asText(), "beside the model object's fields");
        List<String> names = new ArrayList<>();
        get("/v1/models/" + id + "/files").body().get("data").forEach(f -> names.add(f.get("name").asText()));
        assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json"), names, "only what it imported");
        JsonNode config = Json.LENIENT.readTree(get("/v1/models/" + id + "/files/config.json").bytes());
        assertEquals("float16", config.get("torch_dtype").asText(), "the weights are kept in float16");
    }

    @Test
    void aDirectoryInTheArtifactStoreImportsByPath() throws Exception {
        String id = "hf-path-" + run;
        Path dir = artifacts.resolve("uploads/" + id);
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> file : directory(257, "F16").entrySet()) {
            Files.write(dir.resolve(file.getKey()), file.getValue());
        }
        Files.writeString(dir.resolve("README.md"), "# a model card");
        Reply created = json("{\"modelId\": \"" + id + "\", \"path\": \"uploads/" + id + "\"}");
        assertEquals(201, created.status(), created.text());
        assertEquals("[\"README.md\"]", created.body().get("ignoredFiles").toString());
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")), "the source stays");
        assertRefused(json("{\"modelId\": \"x-" + run + "\", \"path\": \"../etc\"}"), 400, "path",
                "artifact key ../etc points outside the artifact store");
        assertRefused(json("{\"modelId\": \"x-" + run + "\", \"path\": \"uploads/none\"}"), 400, "path",
                "no directory 'uploads/none' in the artifact store");
        assertEquals("path", json("{\"modelId\": \"x-" + run + "\"}").field());
    }

    @Test
    void aClassifierIsListedWithItsKindLabelsAndParentAndServesItsDirectory() throws Exception {
        String id = "cls-" + run;
        Path dir = artifacts.resolve("models/" + id);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"GPT2ForSequenceClassification\"]}");
        Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
        ModelAnnouncement classifier = ModelAnnouncement.base(id, Map.of("layers", 2), "gpt2", "models/" + id + "/",
                "job-" + id, Map.of("accuracy", 0.9), Instant.now()).withParent("base-" + run)
                .asClassifier(List.of("ham", "spam"));
        KafkaProbe.send(Topics.MODELS, id, Json.bytes(classifier));
        // Sent to Kafka past the gateway, which reads it back a moment later.
        JsonNode model = awaitFound("/v1/models/" + id).body();
        assertEquals("classifier", model.get("kind").asText());
        assertEquals(List.of("ham", "spam"), List.of(model.get("labels").get(0).asText(),
                model.get("labels").get(1).asText()));
        assertEquals("base-" + run, model.get("parent").asText());
        boolean listed = false;
        for (JsonNode m : get("/v1/models?kind=classifier").body().get("data")) {
            listed |= m.get("id").asText().equals(id) && m.get("labels").size() == 2;
        }
        assertTrue(listed);
        List<String> names = new ArrayList<>();
        get("/v1/models/" + id + "/files").body().get("data").forEach(f -> names.add(f.get("name").asText()));
        assertEquals(List.of("config.json", "model.safetensors", "tokenizer.json"), names,
                "its directory, and tokenizer.json made from the registered tokenizer");
        assertArrayEquals(new byte[] {1, 2, 3}, get("/v1/models/" + id + "/files/model.safetensors").bytes());
        JsonNode tokenizer = Json.LENIENT.readTree(get("/v1/models/" + id + "/files/tokenizer.json").bytes());
        assertEquals(50256, tokenizer.get("added_tokens").get(0).get("id").asInt(), "GPT-2's, written out");
    }

    private static void assertRefused(Reply reply, int status, String field, String detail) {
        assertEquals(status, reply.status(), reply.text());
        assertEquals(field, reply.field(), reply.text());
        assertEquals(detail, reply.detail());
    }

    // --- a tiny GPT-2 directory: 1 layer, width 8, 2 heads, 8 positions; zeros are valid weights ---

    static Map<String, byte[]> directory(int vocab, String dtype) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", config(vocab));
        files.put("model.safetensors", safetensors(shapes(vocab), dtype, Map.of()));
        // 256 byte tokens and <|endoftext|>, no merges: the smallest valid byte-level BPE.
        ObjectNode tokens = Json.LENIENT.createObjectNode();
        for (int b = 0; b < 256; b++) {
            tokens.put(ByteLevel.encode(new byte[] {(byte) b}), b);
        }
        tokens.put("<|endoftext|>", 256);
        files.put("vocab.json", Json.LENIENT.writeValueAsBytes(tokens));
        files.put("merges.txt", "#version: 0.2\n".getBytes(StandardCharsets.UTF_8));
        return files;
    }

    private static byte[] config(int vocab) throws IOException {
        return Json.LENIENT.writeValueAsBytes(Map.of("model_type", "gpt2", "vocab_size", vocab, "n_positions", 8,
                "n_embd", 8, "n_layer", 1, "n_head", 2));
    }

    private static Map<String, long[]> shapes(int vocab) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("transformer.wte.weight", new long[] {vocab, 8});
        shapes.put("transformer.wpe.weight", new long[] {8, 8});
        String b = "transformer.h.0.";
        for (String ln : List.of("ln_1", "ln_2")) {
            shapes.put(b + ln + ".weight", new long[] {8});
            shapes.put(b + ln + ".bias", new long[] {8});
        }
        shapes.put(b + "attn.c_attn.weight", new long[] {8, 24});
        shapes.put(b + "attn.c_attn.bias", new long[] {24});
        shapes.put(b + "attn.c_proj.weight", new long[] {8, 8});
        shapes.put(b + "attn.c_proj.bias", new long[] {8});
        shapes.put(b + "mlp.c_fc.weight", new long[] {8, 32});
        shapes.put(b + "mlp.c_fc.bias", new long[] {32});
        shapes.put(b + "mlp.c_proj.weight", new long[] {32, 8});
        shapes.put(b + "mlp.c_proj.bias", new long[] {8});
        shapes.put("transformer.ln_f.weight", new long[] {8});
        shapes.put("transformer.ln_f.bias", new long[] {8});
        return shapes;
    }

    /** A safetensors file of zeros, by hand: {@code dtypes} overrides {@code dtype} for some tensors. */
    private static byte[] safetensors(Map<String, long[]> shapes, String dtype, Map<String, String> dtypes)
            throws IOException {
        ObjectNode header = Json.LENIENT.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> entry : shapes.entrySet()) {
            String type = dtypes.getOrDefault(entry.getKey(), dtype);
            long elements = 1;
            ObjectNode node = header.putObject(entry.getKey()).put("dtype", type);
            for (long d : entry.getValue()) {
                node.withArray("shape").add(d);
                elements *= d;
            }
            long bytes = elements * switch (type) {
                case "F64" -> 8;
                case "F32" -> 4;
                default -> 2;
            };
            node.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = Json.LENIENT.writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate((int) (8 + json.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json);
        return out.array();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ByteLevel.class.getResourceAsStream("/dev/llmmesh/core/tokenizer/gpt2/" + name)) {
            return in.readAllBytes();
        }
    }

    // --- HTTP ---

    private Reply upload(String modelId, Map<String, byte[]> files) throws Exception {
        String boundary = "----llm-mesh-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write("preamble, ignored\r\n".getBytes(StandardCharsets.US_ASCII));
        if (modelId != null) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"modelId\"\r\n\r\n" + modelId
                    + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"some/dir/"
                    + file.getKey() + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            body.write(file.getValue());
            body.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return send("POST", "/v1/models/import", "multipart/form-data; boundary=" + boundary,
                body.toByteArray());
    }

    private Reply json(String body) throws Exception {
        return send("POST", "/v1/models/import", "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    private Reply get(String path) throws Exception {
        return send("GET", path, null, null);
    }

    private Reply awaitFound(String path) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Reply reply = get(path);
        while (reply.status() == 404 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            reply = get(path);
        }
        return reply;
    }

    private Reply send(String method, String path, String contentType, byte[] body) throws Exception {
        var builder = HttpRequest.newBuilder(URI.create(server.getURL() + path));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<byte[]> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
        String type = response.headers().firstValue("Content-Type").orElse("");
        JsonNode json = type.contains("json") && response.body().length > 0 ? Json.LENIENT.readTree(response.body())
                : Json.LENIENT.createObjectNode();
        return new Reply(response.statusCode(), json, response.body());
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
