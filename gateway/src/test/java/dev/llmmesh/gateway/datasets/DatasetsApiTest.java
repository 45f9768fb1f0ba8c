package dev.llmmesh.gateway.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.gateway.TestGateways;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.TokenManifest;
import dev.llmmesh.mesh.datasets.DatasetFormat;
import dev.llmmesh.mesh.datasets.DatasetSplits;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Typed datasets over HTTP: each format checked at upload, rows paged, token counts, splits listed. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatasetsApiTest implements UsesMeshInfra {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Path artifacts;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        artifacts = TestGateways.artifactsDir();
        return TestGateways.properties(artifacts, false);
    }

    record Reply(int status, JsonNode body, String text) {
        String detail() {
            return body.path("detail").asText();
        }
    }

    private Reply call(String method, String path, String contentType, byte[] body) throws Exception {
        var builder = HttpRequest.newBuilder(URI.create(server.getURL() + path));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        String ct = response.headers().firstValue("Content-Type").orElse("");
        JsonNode json = ct.contains("json") && !response.body().isEmpty() ? Json.LENIENT.readTree(response.body()) : null;
        return new Reply(response.statusCode(), json, response.body());
    }

    private Reply upload(String id, String format, String body) throws Exception {
        return call("POST", "/v1/datasets?id=" + id + "&format=" + format, "text/plain", body.getBytes(StandardCharsets.UTF_8));
    }

    private Reply get(String path) throws Exception {
        return call("GET", path, null, null);
    }

    private String file(String id, String name) throws Exception {
        return Files.readString(artifacts.resolve("datasets/" + id + "/" + name));
    }

    @Test
    void everyFormatIsAcceptedWithItsRowsCountedAndItsTextWrittenForTokenizing() throws Exception {
        Reply text = upload("f-text", "text", "first line\nsecond line\n");
        assertEquals(201, text.status(), text.text());
        assertEquals("text", text.body().get("format").textValue());
        assertEquals(2, text.body().get("rows").longValue());
        assertEquals("first line\nsecond line\n", file("f-text", "data.txt"));

        Reply jsonl = upload("f-jsonl", "jsonl", "{\"text\":\"a\",\"source\":\"web\"}\n\n{\"text\":\"b\"}\n");
        assertEquals(201, jsonl.status(), jsonl.text());
        assertEquals("jsonl-text", jsonl.body().get("format").textValue(), "jsonl is an alias of jsonl-text");
        assertEquals(2, jsonl.body().get("rows").longValue());
        assertEquals("{\"text\":\"a\"}\n{\"text\":\"b\"}\n", file("f-jsonl", "rows.jsonl"), "other fields are dropped");
        assertEquals("a<|endoftext|>b", file("f-jsonl", "data.txt"));

        Reply labeled = upload("f-labeled", "jsonl-labeled", "{\"text\":\"good\",\"label\":\"pos\"}\n{\"label\":0,\"text\":\"bad\"}\n");
        assertEquals(201, labeled.status(), labeled.text());
        assertEquals(2, labeled.body().get("rows").longValue());
        assertEquals("{\"text\":\"good\",\"label\":\"pos\"}\n{\"text\":\"bad\",\"label\":0}\n", file("f-labeled", "rows.jsonl"));
        assertEquals("good<|endoftext|>bad", file("f-labeled", "data.txt"));

        Reply alpacaArray = upload("f-alpaca", "alpaca", "  [{\"instruction\":\"Add\",\"input\":\"1+1\",\"output\":\"2\"},\n"
                + "{\"instruction\":\"Greet\",\"output\":\"Hello\"}]\n");
        assertEquals(201, alpacaArray.status(), alpacaArray.text());
        assertEquals("alpaca", alpacaArray.body().get("format").textValue());
        assertEquals(2, alpacaArray.body().get("rows").longValue());
        assertEquals("{\"instruction\":\"Add\",\"input\":\"1+1\",\"output\":\"2\"}\n"
                + "{\"instruction\":\"Greet\",\"input\":\"\",\"output\":\"Hello\"}\n", file("f-alpaca", "rows.jsonl"));
        assertEquals("Add\n\n1+1\n\n2<|endoftext|>Greet\n\nHello", file("f-alpaca", "data.txt"));
        Reply alpacaLines = upload("f-alpaca-lines", "alpaca", "{\"instruction\":\"Greet\",\"input\":null,\"output\":\"Hi\"}\n");
        assertEquals(201, alpacaLines.status(), alpacaLines.text());
        assertEquals(1, alpacaLines.body().get("rows").longValue(), "alpaca is JSONL too");

        Reply choice = upload("f-choice", "multiple-choice", "{\"context\":\"The sky is\",\"choices\":[\"green\",\"blue\"],"
                + "\"label\":1}\n");
        assertEquals(201, choice.status(), choice.text());
        assertEquals(1, choice.body().get("rows").longValue());
        assertEquals("The sky is blue", file("f-choice", "data.txt"));

        JsonNode listed = get("/v1/datasets/f-choice").body();
        assertEquals("multiple-choice", listed.get("format").textValue());
        assertEquals(1, listed.get("rows").longValue());
    }

    @Test
    void aBadRowIsRefusedNamingItsLineAndFieldAndLeavesNothingBehind() throws Exception {
        Map<String, String[]> cases = new LinkedHashMap<>();
        // format, body, expected start of the detail
        cases.put("b-jsonl", new String[]{"jsonl-text", "{\"text\":\"ok\"}\n\n{\"text\":7}\n", "line 3: field 'text': must be a string, got the number 7"});
        cases.put("b-jsonl-json", new String[]{"jsonl-text", "{\"text\":\"ok\"} trailing\n", "line 1: is not JSON"});
        cases.put("b-jsonl-surrogate", new String[]{"jsonl-text", "{\"text\":\"\\ud800\"}\n", "line 1: field 'text': holds half a UTF-16 surrogate pair"});
        cases.put("b-labeled", new String[]{"jsonl-labeled", "{\"text\":\"a\",\"label\":1}\n{\"text\":\"b\",\"label\":1.5}\n", "line 2: field 'label': must be a non-empty string or an integer, got the number 1.5"});
        cases.put("b-labeled-missing", new String[]{"jsonl-labeled", "{\"text\":\"a\"}\n", "line 1: field 'label': is missing"});
        cases.put("b-alpaca", new String[]{"alpaca", "{\"instruction\":\"a\",\"output\":\"b\"}\n{\"instruction\":\"a\"}\n", "line 2: field 'output': is missing"});
        cases.put("b-alpaca-array", new String[]{"alpaca", "[{\"instruction\":\"a\",\"output\":\"b\"},{\"instruction\":[],\"output\":\"b\"}]", "element [1]: field 'instruction': must be a string, got an array"});
        cases.put("b-alpaca-not-object", new String[]{"alpaca", "[{\"instruction\":\"a\",\"output\":\"b\"}, 42]", "element [1]: must be a JSON object"});
        cases.put("b-alpaca-unclosed", new String[]{"alpaca", "[{\"instruction\":\"a\",\"output\":\"b\"}", "element [1]: "});
        cases.put("b-choice", new String[]{"multiple-choice", "{\"context\":\"c\",\"choices\":[\"x\",\"y\"],\"label\":0}\n"
                + "{\"context\":\"c\",\"choices\":[\"x\",\"y\",\"z\"],\"label\":5}\n", "line 2: field 'label': must be an integer index into 'choices' (0-2), got the number 5"});
        cases.put("b-choice-one", new String[]{"multiple-choice", "{\"context\":\"c\",\"choices\":[\"x\"],\"label\":0}\n", "line 1: field 'choices': must be an array of 2 or more strings, got an array of 1"});
        cases.put("b-choice-item", new String[]{"multiple-choice", "{\"context\":\"c\",\"choices\":[\"x\",null],\"label\":0}\n", "line 1: field 'choices[1]': must be a string"});
        cases.put("b-empty", new String[]{"jsonl-labeled", "\n\n", "body: holds no rows"});
        for (var c : cases.entrySet()) {
            String id = c.getKey();
            Reply r = upload(id, c.getValue()[0], c.getValue()[1]);
            assertEquals(400, r.status(), id + ": " + r.text());
            assertEquals("body", r.body().get("field").textValue(), id);
            assertTrue(r.detail().startsWith(c.getValue()[2]), id + ": " + r.detail());
            assertFalse(Files.exists(artifacts.resolve("datasets/" + id)), id + ": a refused upload leaves nothing");
        }
        Reply notUtf8 = call("POST", "/v1/datasets?id=b-text&format=text", "text/plain",
                new byte[]{'o', 'k', '\n', (byte) 0xff, (byte) 0xfe});
        assertEquals(400, notUtf8.status(), notUtf8.text());
        assertTrue(notUtf8.detail().startsWith("body: is not valid UTF-8"), notUtf8.detail());
        assertFalse(Files.exists(artifacts.resolve("datasets/b-text")));

        Reply unknown = upload("b-format", "csv", "a,b");
        assertEquals("format", unknown.body().get("field").textValue());
        assertTrue(unknown.detail().contains("text, jsonl-text, jsonl-labeled, alpaca, multiple-choice"), unknown.detail());
    }

    @Test
    void theDocumentListsEveryFormatByItsName() throws Exception {
        Map<String, Object> document = new org.yaml.snakeyaml.Yaml().load(get("/openapi.yml").text());
        JsonNode parameters = Json.LENIENT.valueToTree(document).at("/paths/~1v1~1datasets/post/parameters");
        List<String> documented = new ArrayList<>();
        parameters.forEach(p -> {
            if (p.path("name").asText().equals("format")) {
                p.at("/schema/enum").forEach(v -> documented.add(v.textValue()));
            }
        });
        List<String> expected = new ArrayList<>(DatasetFormat.names());
        expected.add(2, "jsonl");
        assertEquals(expected, documented);
    }

    @Test
    void rowsArePagedInOrderWithTheTotal() throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 25; i++) {
            body.append("{\"text\":\"row ").append(i).append("\",\"label\":").append(i % 3).append("}\n");
        }
        assertEquals(201, upload("paged", "jsonl-labeled", body.toString()).status());

        Reply first = get("/v1/datasets/paged/rows");
        assertEquals(200, first.status(), first.text());
        assertEquals("list", first.body().get("object").textValue());
        assertEquals(20, first.body().get("data").size(), "20 rows by default");
        assertEquals(25, first.body().get("total").longValue());
        assertEquals(0, first.body().get("offset").longValue());
        assertEquals(20, first.body().get("limit").intValue());
        assertEquals("{\"text\":\"row 0\",\"label\":0}", first.body().get("data").get(0).toString());

        Reply last = get("/v1/datasets/paged/rows?offset=20&limit=10");
        List<String> texts = new ArrayList<>();
        last.body().get("data").forEach(row -> texts.add(row.get("text").textValue()));
        assertEquals(List.of("row 20", "row 21", "row 22", "row 23", "row 24"), texts);
        assertEquals(0, get("/v1/datasets/paged/rows?offset=25").body().get("data").size(), "past the end: no rows");

        assertEquals(201, upload("paged-text", "text", "one\ntwo\n\nfour").status());
        assertEquals("[{\"text\":\"two\"},{\"text\":\"\"}]", get("/v1/datasets/paged-text/rows?offset=1&limit=2")
                .body().get("data").toString(), "a text dataset's rows are its lines");
        assertEquals(4, get("/v1/datasets/paged-text").body().get("rows").longValue());

        for (String[] bad : List.of(new String[]{"limit=0", "limit"}, new String[]{"limit=1001", "limit"},
                new String[]{"limit=abc", "limit"}, new String[]{"offset=-1", "offset"}, new String[]{"offset=x", "offset"})) {
            Reply r = get("/v1/datasets/paged/rows?" + bad[0]);
            assertEquals(400, r.status(), bad[0] + ": " + r.text());
            assertEquals(bad[1], r.body().get("field").textValue(), bad[0]);
        }
        Reply missing = get("/v1/datasets/nope/rows");
        assertEquals(404, missing.status());
        assertEquals("id", missing.body().get("field").textValue());
    }

    @Test
    void tokenCountsPerTokenizerAppearOnceATokenizeJobHasWrittenItsManifest() throws Exception {
        assertEquals(201, upload("counted", "text", "Call me Ishmael.").status());
        assertEquals("{}", get("/v1/datasets/counted").body().get("tokens").toString(), "not tokenized yet");

        var store = new FileArtifactStore(artifacts);
        store.write(ArtifactKeys.tokensManifest("counted", "gpt2"), Json.bytes(new TokenManifest(TokenManifest.TYPE,
                TokenManifest.SCHEMA_VERSION, "counted", "gpt2", "job-1", 4, List.of(), Instant.now())));
        // A job still running has shards but no manifest: not counted.
        store.write(ArtifactKeys.tokenShard("counted", "moby-bpe", "job-2", 0), new byte[16]);

        JsonNode view = get("/v1/datasets/counted").body();
        assertEquals("{\"gpt2\":4}", view.get("tokens").toString());
        JsonNode listed = null;
        for (JsonNode d : get("/v1/datasets").body().get("data")) {
            listed = d.get("id").textValue().equals("counted") ? d : listed;
        }
        assertEquals("{\"gpt2\":4}", listed.get("tokens").toString(), "the listing counts tokens too");
    }

    @Test
    void splitsAreListedAsDatasetsNamingTheirParent() throws Exception {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            body.append("{\"text\":\"row ").append(i).append("\"}\n");
        }
        assertEquals(201, upload("to-split", "jsonl-text", body.toString()).status());
        Map<String, Double> fractions = new LinkedHashMap<>();
        fractions.put("train", 0.7);
        fractions.put("validation", 0.1);
        fractions.put("test", 0.2);
        Map<String, String> ids = new DatasetSplits(new FileArtifactStore(artifacts)).write("to-split", fractions, 42);
        assertEquals("to-split-train-70.10.20-s42", ids.get("train"));

        Map<String, JsonNode> listed = new LinkedHashMap<>();
        get("/v1/datasets").body().get("data").forEach(d -> listed.put(d.get("id").textValue(), d));
        long rows = 0;
        for (String split : fractions.keySet()) {
            JsonNode d = listed.get(ids.get(split));
            assertEquals("to-split", d.get("parent").textValue(), split);
            assertEquals(split, d.get("split").textValue());
            assertEquals(42, d.get("seed").longValue());
            assertEquals("jsonl-text", d.get("format").textValue());
            rows += d.get("rows").longValue();
        }
        assertEquals(20, rows);
        assertEquals(14, listed.get(ids.get("train")).get("rows").longValue());
        assertEquals(4, get("/v1/datasets/" + ids.get("test") + "/rows").body().get("data").size());
        assertFalse(listed.get("to-split").has("parent"), "an upload has no parent");
    }
}
