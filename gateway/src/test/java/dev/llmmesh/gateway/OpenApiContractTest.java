package dev.llmmesh.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.jobs.JobType;
import dev.llmmesh.mesh.jobs.JobTypes;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.UsesMeshInfra;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.web.router.Router;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The served openapi.yml describes the API a client generated from it talks to: no openapi-generator runs offline,
 * so this test reads the document as one would (request schemas, status codes, parameters) and then drives the
 * running gateway with requests built from the document alone.
 */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiContractTest implements UsesMeshInfra {
    private static final Set<String> OPENAI_PATHS = Set.of("/v1/completions", "/v1/chat/completions");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private ApiSpec spec;

    @Inject
    EmbeddedServer server;

    @Inject
    Router router;

    @Override
    public Map<String, String> getProperties() {
        return TestGateways.properties(TestGateways.artifactsDir(), false);
    }

    @BeforeAll
    void readTheDocument() throws Exception {
        spec = ApiSpec.fetch(http, server.getURL().toString());
    }

    @Test
    void everyRouteOfTheApiIsInTheDocument() {
        Set<String> documented = new TreeSet<>();
        spec.operations().forEach(op -> documented.add(op.toString()));
        Set<String> routed = new TreeSet<>();
        // Micronaut answers HEAD for every GET by itself; those are not the API's operations.
        router.uriRoutes().filter(r -> r.getUriMatchTemplate().toString().startsWith("/v1")
                        || r.getUriMatchTemplate().toString().startsWith("/m/"))
                .filter(r -> !r.getHttpMethodName().equals("HEAD"))
                .forEach(r -> routed.add(r.getHttpMethodName() + " " + r.getUriMatchTemplate().toPathString()));
        assertEquals(routed, documented);
    }

    @Test
    void requestBodiesAreJsonObjectsWithPropertiesNotBytes() {
        for (ApiSpec.Operation op : spec.operations()) {
            JsonNode content = op.node().path("requestBody").path("content");
            for (Iterator<Map.Entry<String, JsonNode>> it = content.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> media = it.next();
                for (JsonNode schema : spec.alternatives(media.getValue().path("schema"))) {
                    assertTrue(!"byte".equals(schema.path("format").asText()), op + " " + media.getKey() + " is string/byte");
                    if (media.getKey().equals("application/json")) {
                        assertEquals("object", schema.path("type").asText(), op + " body");
                        assertTrue(schema.path("properties").size() > 0, op + " body has no properties");
                        assertTrue(schema.path("required").size() > 0, op + " body names no required field");
                    }
                }
            }
            if (op.method().equals("POST") && !op.path().endsWith("/cancel") && !op.path().equals("/v1/datasets")) {
                assertNotNull(spec.jsonRequestSchema(op), op + " documents no JSON request body");
            }
        }
    }

    @Test
    void statusCodesAreTheOnesTheApiAnswers() {
        Map<String, Integer> success = Map.of("POST /v1/jobs", 202, "POST /v1/tokenizers", 202,
                "POST /v1/jobs/{id}/cancel", 202, "POST /v1/datasets", 201, "DELETE /v1/models/{id}", 202,
                "POST /v1/evals", 202, "POST /v1/models/import", 201);
        for (ApiSpec.Operation op : spec.operations()) {
            assertEquals(success.getOrDefault(op.toString(), 200), spec.documentedSuccess(op), op.toString());
        }
    }

    @Test
    void queryParametersWithDefaultsAreOptional() {
        for (ApiSpec.Operation op : spec.operations()) {
            for (JsonNode p : op.node().path("parameters")) {
                if (!p.path("in").asText().equals("path")) {
                    assertTrue(!p.path("required").asBoolean(false), op + " marks " + p.path("name").asText() + " required");
                }
            }
        }
        List<String> jobListParameters = new ArrayList<>();
        spec.operation("GET", "/v1/jobs").node().path("parameters").forEach(p -> jobListParameters.add(p.path("name").asText()));
        assertTrue(jobListParameters.contains("limit"), jobListParameters.toString());
    }

    @Test
    void everyOperationDocumentsItsErrorsInTheShapeItAnswers() {
        for (ApiSpec.Operation op : spec.operations()) {
            // A model's own base URL (/m/{model}/...) is OpenAI-compatible too.
            boolean openAi = OPENAI_PATHS.contains(op.path()) || op.path().startsWith("/m/");
            for (int code : List.of(400, 404)) {
                JsonNode schema = spec.responseSchema(op, code, openAi ? "application/json" : "application/problem+json");
                assertNotNull(schema, op + " documents no " + code);
                Set<String> fields = new TreeSet<>();
                schema.path("properties").fieldNames().forEachRemaining(fields::add);
                assertEquals(openAi ? Set.of("error") : Set.of("type", "title", "status", "detail", "field"), fields,
                        op + " " + code);
            }
        }
    }

    @Test
    void theDocumentedBoundsOfNAndLogprobsAreTheOnesTheCodeEnforces() {
        JsonNode completion = spec.jsonRequestSchema(spec.operation("POST", "/v1/completions"));
        JsonNode chat = spec.jsonRequestSchema(spec.operation("POST", "/v1/chat/completions"));
        assertEquals(CompletionRequest.MAX_N, completion.path("properties").path("n").path("maximum").asInt(-1));
        assertEquals(CompletionRequest.MAX_N, chat.path("properties").path("n").path("maximum").asInt(-1));
        assertEquals(SamplingParams.MAX_LOGPROBS, completion.path("properties").path("logprobs").path("maximum")
                .asInt(-1));
        assertEquals(SamplingParams.MAX_LOGPROBS, chat.path("properties").path("top_logprobs").path("maximum")
                .asInt(-1));
    }

    @Test
    void requestsBuiltFromTheDocumentAloneGetTheDocumentedAnswers() throws Exception {
        // A dataset for the jobs to refer to: the examples name "moby".
        ApiSpec.Operation upload = spec.operation("POST", "/v1/datasets");
        Answer dataset = send(upload, "/v1/datasets?id=moby", "text/plain", "Call me Ishmael. Some years ago.");
        assertDocumented(upload, dataset, spec.documentedSuccess(upload));

        // Every kind of job the document describes, and a tokenizer: the tokenizer and tokenize-dataset examples
        // are complete jobs; a pretrain example names a dataset not yet tokenized, and delete-model, evaluate and
        // finetune-classifier examples a model never published, which are the documented 400s.
        ApiSpec.Operation jobs = spec.operation("POST", "/v1/jobs");
        List<JsonNode> bodies = new ArrayList<>(spec.alternatives(spec.jsonRequestSchema(jobs)));
        assertEquals(JobTypes.all().stream().filter(JobType::submittable).count(), bodies.size());
        Map<String, String> refusedField = Map.of("pretrain", "datasetId", "delete-model", "modelId",
                "evaluate", "modelId", "finetune-classifier", "baseModelId");
        for (JsonNode alternative : bodies) {
            JsonNode body = spec.example(alternative);
            String field = refusedField.get(body.path("type").asText());
            Answer answer = send(jobs, "/v1/jobs", "application/json", body.toString());
            assertDocumented(jobs, answer, field != null ? 400 : spec.documentedSuccess(jobs));
            if (field != null) {
                assertEquals(field, answer.body().get("field").textValue(), answer.text());
                continue;
            }
            ApiSpec.Operation get = spec.operation("GET", "/v1/jobs/{id}");
            assertDocumented(get, send(get, "/v1/jobs/" + answer.body().get("id").textValue(), null, null), 200);
        }
        ApiSpec.Operation tokenizers = spec.operation("POST", "/v1/tokenizers");
        String tokenizer = spec.example(spec.jsonRequestSchema(tokenizers)).toString();
        assertDocumented(tokenizers, send(tokenizers, "/v1/tokenizers", "application/json", tokenizer),
                spec.documentedSuccess(tokenizers));
        // POST /v1/evals's example names a model never published too.
        ApiSpec.Operation evals = spec.operation("POST", "/v1/evals");
        Answer eval = send(evals, "/v1/evals", "application/json", spec.example(spec.jsonRequestSchema(evals))
                .toString());
        assertDocumented(evals, eval, 400);
        assertEquals("modelId", eval.body().get("field").textValue(), eval.text());
        for (String path : List.of("/v1/jobs", "/v1/models", "/v1/datasets", "/v1/evals", "/v1/leaderboard")) {
            ApiSpec.Operation op = spec.operation("GET", path);
            assertDocumented(op, send(op, path, null, null), 200);
        }
        // The examples name a model no one published: the documented 404, in OpenAI's shape.
        for (String path : OPENAI_PATHS) {
            ApiSpec.Operation op = spec.operation("POST", path);
            String body = Json.LENIENT.writeValueAsString(spec.example(spec.jsonRequestSchema(op)));
            assertDocumented(op, send(op, path, "application/json", body), 404);
        }
        // A request missing a required field gets the documented 400 naming it.
        ObjectNode partial = (ObjectNode) spec.example(spec.jsonRequestSchema(jobs));
        partial.remove("datasetId");
        Answer refused = send(jobs, "/v1/jobs", "application/json", partial.toString());
        assertDocumented(jobs, refused, 400);
        assertEquals("datasetId", refused.body().get("field").textValue(), refused.text());
    }

    /** The listing's kind filter and each model's kind are documented by hand: the values are ModelKind's. */
    @Test
    void theDocumentedModelKindsAreModelKindsValues() {
        List<String> kinds = java.util.Arrays.stream(ModelKind.values()).map(ModelKind::wireName).toList();
        JsonNode filter = spec.operation("GET", "/v1/models").node().path("parameters");
        List<String> documented = new ArrayList<>();
        filter.forEach(p -> {
            if (p.path("name").asText().equals("kind")) {
                p.path("schema").path("enum").forEach(v -> documented.add(v.textValue()));
            }
        });
        assertEquals(kinds, documented);
        List<String> ofModel = new ArrayList<>();
        spec.responseSchema(spec.operation("GET", "/v1/models/{id}"), 200, "application/json").path("properties")
                .path("kind").path("enum").forEach(v -> ofModel.add(v.textValue()));
        assertEquals(kinds, ofModel);
    }

    /** The task enums are written by hand in the request schemas and query parameters: they are EvalTask's names. */
    @Test
    void theDocumentedEvalTasksAreEvalTasksValues() {
        List<String> tasks = java.util.Arrays.stream(EvalTask.values()).map(EvalTask::wireName).toList();
        List<String> request = new ArrayList<>();
        spec.jsonRequestSchema(spec.operation("POST", "/v1/evals")).path("properties").path("task").path("enum")
                .forEach(v -> request.add(v.textValue()));
        assertEquals(tasks, request);
        for (String path : List.of("/v1/evals", "/v1/leaderboard")) {
            List<String> filter = new ArrayList<>();
            spec.operation("GET", path).node().path("parameters").forEach(p -> {
                if (p.path("name").asText().equals("task")) {
                    p.path("schema").path("enum").forEach(v -> filter.add(v.textValue()));
                }
            });
            assertEquals(tasks, filter, path);
        }
    }

    /** ApiSchemas describes each job type by hand: this keeps it in step with the registry and its records. */
    @Test
    void theDocumentedJobsAreExactlyTheSubmittableTypesWithAllTheirRecordsFields() {
        ApiSpec.Operation jobs = spec.operation("POST", "/v1/jobs");
        Map<String, JsonNode> documented = new java.util.TreeMap<>();
        for (JsonNode alternative : spec.alternatives(spec.jsonRequestSchema(jobs))) {
            documented.put(alternative.path("properties").path("type").path("enum").path(0).asText(), alternative);
        }
        Map<String, JobType<?>> types = new java.util.TreeMap<>();
        JobTypes.all().stream().filter(JobType::submittable).forEach(t -> types.put(t.name(), t));
        assertEquals(types.keySet(), documented.keySet());
        types.forEach((name, type) -> {
            JsonNode properties = documented.get(name).path("properties");
            for (var component : type.record().getRecordComponents()) {
                if (!component.getName().equals("schemaVersion")) {
                    assertTrue(properties.has(component.getName()), name + " documents no " + component.getName());
                }
            }
            type.deprecatedNames().keySet().forEach(old -> assertTrue(properties.path(old).path("deprecated")
                    .asBoolean(), name + "'s " + old + " is documented as deprecated"));
        });
    }

    record Answer(int status, String contentType, JsonNode body, String text) {
    }

    private Answer send(ApiSpec.Operation op, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(server.getURL() + path)).timeout(Duration.ofSeconds(10));
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        builder.method(op.method(), body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        String ct = response.headers().firstValue("Content-Type").orElse("");
        return new Answer(response.statusCode(), ct, ct.contains("json") ? Json.LENIENT.readTree(response.body()) : null,
                response.body());
    }

    /** The answer has the expected status, which the operation documents, with a body of the documented media type. */
    private void assertDocumented(ApiSpec.Operation op, Answer answer, int expected) {
        assertEquals(expected, answer.status(), op + ": " + answer.text());
        assertTrue(spec.documentedCodes(op).contains(answer.status()), op + " does not document " + answer.status());
        JsonNode content = op.node().path("responses").path(Integer.toString(answer.status())).path("content");
        String media = answer.contentType().split(";")[0].trim();
        assertTrue(content.has(media), op + " " + answer.status() + " documents " + content.fieldNames().next()
                + ", answered " + media);
        JsonNode schema = spec.resolve(content.path(media).path("schema"));
        List<String> undocumented = new ArrayList<>();
        answer.body().fieldNames().forEachRemaining(f -> {
            if (!schema.path("properties").has(f)) {
                undocumented.add(f);
            }
        });
        assertEquals(List.of(), undocumented, op + " answered fields its schema does not have: " + answer.text());
    }
}
