package dev.llmmesh.it;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.ServiceJvm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * lm-eval-harness's {@code local-completions} against the real gateway and inference-service: its payloads as it
 * builds them (several prompts per request, as token ids and as strings, {@code echo}, {@code max_tokens} 1 and 0,
 * {@code logprobs} 1, temperature 0, a seed) through a model's own base URL, its remote tokenizer's probes, and
 * every number it reads checked against a full forward of the same weights in this JVM: each prompt token's
 * logprob to 1e-5 and each greedy flag (computed as the harness does, from {@code top_logprobs}), with the prefix
 * cache cold, then warm in Redis, then with a long generation sharing the decode batch.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HarnessConformanceIT {
    /** GPT-2's vocabulary (the prompts are GPT-2 tokens), everything else tiny. */
    private static final GptConfig MODEL = new GptConfig(50257, 128, 32, 2, 2, 0.0, 1e-5);
    private static final long WEIGHTS_SEED = 12;
    private static final double TOLERANCE = 1e-5;
    /** Prefix blocks of this many tokens, so the prompts here span several. */
    private static final int BLOCK_TOKENS = 8;
    /** (context, continuation) pairs as a multiple-choice task has them. */
    private static final List<List<String>> REQUESTS = List.of(
            List.of("Call me Ishmael. Some years ago, never mind how long precisely,", " having little money"),
            List.of("Call me Ishmael. Some years ago, never mind how long precisely,", " I thought I would sail"),
            List.of("The whale, the whale! Up helm, up helm!", " Oh, all ye sweet powers of air"),
            List.of("It is not down on any map; true places", " never are."));

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String modelId = "harness-" + run;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<ServiceJvm> services = new ArrayList<>();
    private GptModel reference;
    private GatewayClient gateway;
    /** Each request's context and continuation tokens, from the gateway's remote tokenizer. */
    private final List<int[]> contexts = new ArrayList<>();
    private final List<int[]> continuations = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        MeshInfra infra = MeshInfra.get();
        Path runDir = Path.of("target", "it-harness-" + run).toAbsolutePath();
        Path artifacts = Files.createDirectories(runDir.resolve("artifacts"));
        Path logs = runDir.resolve("logs");
        infra.createTopics(Map.of(Topics.INFERENCE_REQUESTS, Topics.PARTITIONS.get(Topics.INFERENCE_REQUESTS),
                Topics.INFERENCE_EVENTS, Topics.PARTITIONS.get(Topics.INFERENCE_EVENTS)));
        reference = GptModel.initialize(MODEL, Device.cpu(), WEIGHTS_SEED);
        publishModel(artifacts);
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers(), "REDIS_URI",
                infra.redisUri(), "LLM_ARTIFACTS_DIR", artifacts.toString());
        ServiceJvm tokenizer = start("tokenizer-service", env, logs);
        Map<String, String> gatewayEnv = new HashMap<>(env);
        gatewayEnv.put("LLM_AUTH_ENABLED", "false");
        gatewayEnv.put("MICRONAUT_HTTP_SERVICES_TOKENIZER_URL", "http://localhost:" + tokenizer.port());
        ServiceJvm gatewayJvm = start("gateway", gatewayEnv, logs);
        Map<String, String> replicaEnv = new HashMap<>(env);
        replicaEnv.put("LLM_INFERENCE_MODELS", modelId);
        replicaEnv.put("LLM_INFERENCE_CONSUMER_GROUP", "inference-harness-" + run);
        replicaEnv.put("LLM_INFERENCE_KV_PREFIX_BLOCK_TOKENS", Integer.toString(BLOCK_TOKENS));
        ServiceJvm replica = start("inference-service", replicaEnv, logs);
        for (ServiceJvm service : services) {
            service.awaitHealthy();
        }
        ServedModels.awaitOk(http, replica.baseUrl() + "/v1/models",
                    text -> text.contains("\"state\":\"ready\""));
        gateway = new GatewayClient(gatewayJvm.port());
        ServedModels.awaitOk(http, gateway.base() + "/v1/models/" + modelId, text -> true);
        for (List<String> pair : REQUESTS) {
            contexts.add(tokenize(pair.get(0)));
            continuations.add(tokenize(pair.get(1)));
        }
    }

    private ServiceJvm start(String name, Map<String, String> env, Path logs) throws Exception {
        ServiceJvm service = ServiceProcess.start(name, env, logs);
        services.add(service);
        return service;
    }

    @AfterAll
    void stop() {
        services.reversed().forEach(ServiceJvm::close);
        if (reference != null) {
            reference.close();
        }
    }

    @Test
    void theRemoteTokenizerProbesAnswerInTheHarnessShapes() throws Exception {
        JsonNode info = gateway.get(base() + "/tokenizer_info").expect(200).body();
        assertEquals("<|endoftext|>", info.get("eos_token").textValue(), info.toString());
        assertEquals(MODEL.contextLength(), info.get("model_max_length").intValue());
        // The harness's eos_token_id is tokenize(eos_token)[0]: the special token, read as such.
        JsonNode eos = gateway.postJson(base() + "/tokenize", Map.of("prompt", "<|endoftext|>",
                "add_special_tokens", false)).expect(200).body();
        assertEquals(List.of(50256), ids(eos.get("tokens")));
        String moby = REQUESTS.getFirst().get(0);
        JsonNode text = gateway.postJson(base() + "/detokenize", Map.of("tokens", list(tokenize(moby))))
                .expect(200).body();
        assertEquals(moby, text.get("prompt").textValue());
        assertEquals(400, gateway.postJson(base() + "/tokenize", Map.of("text", "x")).status());
        assertEquals(404, gateway.get("/m/no-such-model-" + run + "/tokenizer_info").status());
    }

    @Test
    void tokenPromptsAreScoredExactlyColdWarmAndInABusyBatch() throws Exception {
        List<int[]> inputs = new ArrayList<>();
        for (int i = 0; i < REQUESTS.size(); i++) {
            inputs.add(concat(contexts.get(i), continuations.get(i)));
        }
        Map<String, Object> harness = scoring(inputs.stream().map(HarnessConformanceIT::list).toList(), 1);
        JsonNode cold = complete(harness);
        checkScores("cold", cold, inputs, 1);

        // Plain completions of the same prompts leave their prefix blocks in Redis; once one comes back with cached
        // tokens the cache is warm for all of them.
        warmPrefixCache(inputs);
        JsonNode warm = complete(harness);
        checkScores("Redis-warm", warm, inputs, 1);

        // A long generation decodes beside the scoring prefills.
        CompletableFuture<GatewayClient.Reply> busy = CompletableFuture.supplyAsync(() -> {
            try {
                return gateway.postJson("/v1/completions", Map.of("model", modelId, "prompt", "Call me Ishmael.",
                        "max_tokens", 100, "temperature", 1.0, "seed", 7));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        JsonNode shared = complete(harness);
        assertEquals(200, busy.get().status(), busy.get().text());
        checkScores("shared batch", shared, inputs, 1);

        // A continuation that is the model's own greedy choice (per the in-process forward): the harness's rule,
        // token logprob == the largest top_logprobs value, must call it greedy; the continuations above are not.
        List<int[]> greedyInputs = new ArrayList<>();
        for (int[] input : inputs) {
            double[][] rows = referenceLogSoftmax(input);
            greedyInputs.add(concat(input, new int[] {argmax(rows[input.length - 1])}));
        }
        JsonNode greedy = complete(scoring(greedyInputs.stream().map(HarnessConformanceIT::list).toList(), 1));
        for (int i = 0; i < greedyInputs.size(); i++) {
            JsonNode logprobs = greedy.get("choices").get(i).get("logprobs");
            int last = greedyInputs.get(i).length - 1;
            assertEquals(logprobs.get("token_logprobs").get(last).doubleValue(),
                    alternatives(logprobs.get("top_logprobs").get(last)), "request " + i + " is greedy");
        }

        // Older harness versions: max_tokens 0, nothing generated, the prompt scored alone.
        Map<String, Object> older = scoring(inputs.stream().map(HarnessConformanceIT::list).toList(), 0);
        checkScores("max_tokens 0", complete(older), inputs, 0);
    }

    @Test
    void stringPromptsAreTokenizedAsTheRemoteTokenizerDoesAndScoredTheSame() throws Exception {
        List<String> texts = REQUESTS.stream().map(p -> p.get(0) + p.get(1)).toList();
        JsonNode answer = complete(scoring(texts, 1));
        List<int[]> inputs = new ArrayList<>();
        for (String text : texts) {
            inputs.add(tokenize(text));
        }
        checkScores("string prompts", answer, inputs, 1);
        for (int i = 0; i < texts.size(); i++) {
            assertTrue(answer.get("choices").get(i).get("text").textValue().startsWith(texts.get(i)),
                    "echo puts the prompt first");
        }
    }

    @Test
    void severalPromptsAnswerPromptMajorWithTheirUsageSummed() throws Exception {
        List<String> prompts = List.of("Call me", "Ishmael. Some", "years");
        Map<String, Object> body = new LinkedHashMap<>(Map.of("model", modelId, "prompt", prompts, "max_tokens", 2,
                "temperature", 0, "echo", true, "n", 2, "seed", 3));
        JsonNode answer = gateway.postJson("/v1/completions", body).expect(200).body();
        JsonNode choices = answer.get("choices");
        assertEquals(6, choices.size());
        int promptTokens = 0;
        for (int i = 0; i < 6; i++) {
            assertEquals(i, choices.get(i).get("index").intValue());
            assertTrue(choices.get(i).get("text").textValue().startsWith(prompts.get(i / 2)), choices.toString());
        }
        for (String p : prompts) {
            promptTokens += tokenize(p).length;
        }
        assertEquals(promptTokens, answer.get("usage").get("prompt_tokens").intValue());
        assertEquals(3 * 2 * 2, answer.get("usage").get("completion_tokens").intValue());

        // Streamed: the prompts interleave, each chunk under its prompt-major index, and the texts are the same.
        body.put("stream", true);
        body.put("echo", false);
        Map<Integer, StringBuilder> streamed = streamTexts(body);
        body.remove("stream");
        JsonNode whole = gateway.postJson("/v1/completions", body).expect(200).body();
        assertEquals(6, streamed.size(), streamed.toString());
        for (JsonNode choice : whole.get("choices")) {
            assertEquals(choice.get("text").textValue(), streamed.get(choice.get("index").intValue()).toString());
        }
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreRefusedNamingPrompt() throws Exception {
        GatewayClient.Reply reply = gateway.postJson(base() + "/v1/completions", Map.of("prompt",
                List.of(List.of(464, 2068), List.of(464, MODEL.vocabSize())), "max_tokens", 1, "echo", true,
                "logprobs", 1));
        assertEquals(400, reply.status(), reply.text());
        assertEquals("prompt", reply.body().get("error").get("param").textValue());
        GatewayClient.Reply otherModel = gateway.postJson(base() + "/v1/completions", Map.of("model", "other",
                "prompt", "x"));
        assertEquals(400, otherModel.status(), otherModel.text());
        assertEquals("model", otherModel.body().get("error").get("param").textValue());
    }

    /** The loglikelihood payload of lm-eval-harness's local-completions, field for field. */
    private Map<String, Object> scoring(Object prompts, int maxTokens) {
        return Map.of("model", modelId, "prompt", prompts, "temperature", 0, "max_tokens", maxTokens, "logprobs", 1,
                "seed", 1234, "echo", true);
    }

    private JsonNode complete(Map<String, Object> body) throws Exception {
        return gateway.postJson(base() + "/v1/completions", body).expect(200).body();
    }

    /**
     * Every prompt token's logprob against the in-process forward, the alternatives' argmax, the harness's greedy
     * flag over each continuation, and the shape it parses.
     */
    private void checkScores(String round, JsonNode answer, List<int[]> inputs, int maxTokens) {
        JsonNode choices = answer.get("choices");
        assertEquals(inputs.size(), choices.size(), round);
        for (int i = 0; i < inputs.size(); i++) {
            JsonNode choice = choices.get(i);
            assertEquals(i, choice.get("index").intValue(), round);
            int[] input = inputs.get(i);
            double[][] logSoftmax = referenceLogSoftmax(input);
            JsonNode logprobs = choice.get("logprobs");
            JsonNode tokenLogprobs = logprobs.get("token_logprobs");
            JsonNode top = logprobs.get("top_logprobs");
            JsonNode offsets = logprobs.get("text_offset");
            assertEquals(input.length + maxTokens, tokenLogprobs.size(), round + ": the prompt, then what was generated");
            assertEquals(tokenLogprobs.size(), logprobs.get("tokens").size());
            assertEquals(tokenLogprobs.size(), top.size());
            assertEquals(tokenLogprobs.size(), offsets.size());
            assertTrue(tokenLogprobs.get(0).isNull(), round + ": nothing predicts the first token");
            assertTrue(top.get(0).isNull(), round);
            assertEquals(0, offsets.get(0).intValue());
            for (int t = 1; t < tokenLogprobs.size(); t++) {
                double[] row = logSoftmax[t - 1];
                int best = argmax(row);
                JsonNode alternatives = top.get(t);
                assertEquals(1, alternatives.size(), round + ": logprobs 1 gives one alternative");
                double topValue = alternatives.elements().next().doubleValue();
                assertEquals(row[best], topValue, TOLERANCE, round + ": prompt " + i + " position " + t + " argmax");
                if (t < input.length) {
                    assertEquals(row[input[t]], tokenLogprobs.get(t).doubleValue(), TOLERANCE,
                            round + ": prompt " + i + " position " + t);
                } else {
                    // The generated token at temperature 0 is the argmax.
                    assertEquals(row[best], tokenLogprobs.get(t).doubleValue(), TOLERANCE, round);
                }
                assertTrue(offsets.get(t).intValue() >= offsets.get(t - 1).intValue(), round);
            }
            if (maxTokens == 1 && i < continuations.size() && input.length == contexts.get(i).length
                    + continuations.get(i).length) {
                // lm-eval-harness: the continuation is token_logprobs[ctxlen:-1]; greedy when each equals the
                // largest top_logprobs value.
                int ctxlen = contexts.get(i).length;
                boolean harnessGreedy = true;
                boolean referenceGreedy = true;
                double sum = 0;
                double referenceSum = 0;
                for (int t = ctxlen; t < tokenLogprobs.size() - 1; t++) {
                    double value = tokenLogprobs.get(t).doubleValue();
                    sum += value;
                    referenceSum += logSoftmax[t - 1][input[t]];
                    harnessGreedy &= value == alternatives(top.get(t));
                    referenceGreedy &= argmax(logSoftmax[t - 1]) == input[t];
                }
                assertEquals(referenceSum, sum, TOLERANCE * input.length, round);
                assertEquals(referenceGreedy, harnessGreedy, round + ": greedy flag of request " + i);
            }
        }
    }

    private static double alternatives(JsonNode top) {
        double max = Double.NEGATIVE_INFINITY;
        for (Iterator<JsonNode> it = top.elements(); it.hasNext(); ) {
            max = Math.max(max, it.next().doubleValue());
        }
        return max;
    }

    /** Row t: log-softmax of the logits after tokens 0..t, in double, from one forward of the whole input. */
    private double[][] referenceLogSoftmax(int[] input) {
        int vocab = MODEL.vocabSize();
        float[] logits;
        try (NDManager manager = reference.manager().newSubManager()) {
            NDArray ids = manager.create(input, new Shape(1, input.length));
            logits = reference.forward(ids, false).toFloatArray();
        }
        double[][] rows = new double[input.length][vocab];
        for (int t = 0; t < input.length; t++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[t * vocab + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logits[t * vocab + v] - max);
            }
            double logZ = max + Math.log(sum);
            for (int v = 0; v < vocab; v++) {
                rows[t][v] = logits[t * vocab + v] - logZ;
            }
        }
        return rows;
    }

    private void warmPrefixCache(List<int[]> inputs) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode answer = gateway.postJson("/v1/completions", Map.of("model", modelId, "prompt",
                    inputs.stream().map(HarnessConformanceIT::list).toList(), "max_tokens", 1, "temperature", 0))
                    .expect(200).body();
            JsonNode details = answer.get("usage").get("prompt_tokens_details");
            int cached = details == null ? 0 : details.get("cached_tokens").intValue();
            if (cached >= inputs.size() * BLOCK_TOKENS) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the prefix cache never warmed: " + answer.get("usage"));
            Thread.sleep(200);
        }
    }

    private Map<Integer, StringBuilder> streamTexts(Map<String, Object> body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.base() + "/v1/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString(Json.LENIENT.writeValueAsString(body))).build();
        HttpResponse<java.util.stream.Stream<String>> response = http.send(request,
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        Map<Integer, StringBuilder> texts = new HashMap<>();
        for (Iterator<String> lines = response.body().iterator(); lines.hasNext(); ) {
            String line = lines.next();
            if (!line.startsWith("data:")) {
                continue;
            }
            String data = line.substring("data:".length()).strip();
            if (data.equals("[DONE]")) {
                break;
            }
            for (JsonNode choice : Json.LENIENT.readTree(data).path("choices")) {
                texts.computeIfAbsent(choice.get("index").intValue(), k -> new StringBuilder())
                        .append(choice.get("text").textValue());
            }
        }
        return texts;
    }

    private int[] tokenize(String text) throws Exception {
        JsonNode answer = gateway.postJson(base() + "/tokenize", Map.of("prompt", text, "add_special_tokens", false))
                .expect(200).body();
        return ids(answer.get("tokens")).stream().mapToInt(Integer::intValue).toArray();
    }

    private String base() {
        return "/m/" + modelId;
    }

    private static List<Integer> ids(JsonNode array) {
        assertNotNull(array);
        List<Integer> out = new ArrayList<>();
        array.forEach(t -> out.add(t.intValue()));
        return out;
    }

    private static List<Integer> list(int[] ids) {
        List<Integer> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(id);
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int argmax(double[] row) {
        int best = 0;
        for (int v = 1; v < row.length; v++) {
            if (row[v] > row[best]) {
                best = v;
            }
        }
        return best;
    }


    private void publishModel(Path artifacts) throws Exception {
        ServedModels.publish(reference, MODEL, modelId, "harness-it", artifacts);
    }
}
