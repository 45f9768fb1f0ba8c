package dev.llmmesh.inference;

import ai.djl.Device;
import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CancelCompletion;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What trainer-service would have published (a model with random weights in an artifact directory, announced on
 * {@code llm.models}) and what the gateway would send and read.
 */
final class InferenceFixture {
    /** Small, but with GPT-2's vocabulary so the built-in tokenizer serves it. */
    static final GptConfig TINY = new GptConfig(50257, 256, 64, 2, 4, 0.0, 1e-5);

    private InferenceFixture() {
    }

    static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("inference-artifacts");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Service properties: the test broker and Redis, this artifact directory, a consumer group of the test's own. */
    static Map<String, Object> properties(Path artifacts, String group) {
        Map<String, Object> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", artifacts.toString());
        props.put("llm.inference.consumer-group", group);
        return props;
    }

    /** Writes a random-weights model under {@code models/{id}/} and announces it. */
    static String publishModel(Path artifacts, GptConfig config, long seed) throws Exception {
        return publishModel(artifacts, "tiny-" + shortId(), config, seed);
    }

    static String publishModel(Path artifacts, String modelId, GptConfig config, long seed) throws Exception {
        String artifact = ArtifactKeys.modelDir(modelId);
        try (GptModel model = GptModel.initialize(config, Device.cpu(), seed)) {
            GptCheckpoint.save(model, artifacts.resolve(artifact));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> shape = Json.LENIENT.convertValue(config, Map.class);
        var announcement = ModelAnnouncement.base(modelId, shape, TokenizerRegistry.GPT2, artifact, "fixture", Map.of(),
                Instant.now());
        KafkaProbe.send(Topics.MODELS, modelId, Json.bytes(announcement));
        return modelId;
    }

    /** A request as the gateway sends it: OpenAI's defaults, a seed, a deadline a few minutes ahead. */
    static CompletionRequest request(String modelId, String prompt, int maxTokens, double temperature, long seed,
                                     int n) {
        return new CompletionRequest(InferenceCommand.SCHEMA_VERSION, "req-" + shortId(), null, modelId, prompt, null,
                SamplingParams.builder().maxTokens(maxTokens).temperature(temperature).seed(seed).n(n).build(), false,
                null, Instant.now().plus(Duration.ofMinutes(3)), null);
    }

    static CompletionRequest withId(CompletionRequest r, String requestId) {
        return new CompletionRequest(r.schemaVersion(), requestId, r.conversationId(), r.modelId(), r.prompt(),
                r.promptTokens(), r.sampling(), r.untilContextEnd(), r.user(), r.deadline(), r.stream());
    }

    /** The same request with other {@code max_tokens} (null: not given) and {@code n}. */
    static CompletionRequest withSize(CompletionRequest r, Integer maxTokens, int n) {
        return withSampling(r, r.sampling().toBuilder().maxTokens(maxTokens == null ? 0 : maxTokens).n(n).build(),
                maxTokens == null, r.stream());
    }

    /** The same request with other sampling settings, another length and streaming. */
    static CompletionRequest withSampling(CompletionRequest r, SamplingParams sampling, boolean untilContextEnd,
                                          Boolean stream) {
        return new CompletionRequest(r.schemaVersion(), r.requestId(), r.conversationId(), r.modelId(), r.prompt(),
                r.promptTokens(), sampling, untilContextEnd, r.user(), r.deadline(), stream);
    }

    static CompletionRequest withDeadline(CompletionRequest r, Instant deadline) {
        return new CompletionRequest(r.schemaVersion(), r.requestId(), r.conversationId(), r.modelId(), r.prompt(),
                r.promptTokens(), r.sampling(), r.untilContextEnd(), r.user(), deadline, r.stream());
    }

    static byte[] bytes(InferenceCommand command) throws IOException {
        return Json.LENIENT.writerFor(InferenceCommand.class).writeValueAsBytes(command);
    }

    static void send(InferenceCommand command) throws Exception {
        KafkaProbe.send(Topics.INFERENCE_REQUESTS, command.routingKey(), bytes(command));
    }

    static void cancel(CompletionRequest request) throws Exception {
        send(new CancelCompletion(InferenceCommand.SCHEMA_VERSION, request.requestId(), request.routingKey()));
    }

    /** A request's chunks as they are on the events topic, up to and including its last. */
    static List<CompletionChunk> answer(String requestId, Duration timeout) {
        var records = KafkaProbe.readUntil(Topics.INFERENCE_EVENTS, timeout,
                seen -> chunks(seen, requestId).stream().anyMatch(CompletionChunk::last));
        return chunks(records, requestId);
    }

    /** Waits until at least one chunk of the request is out. */
    static List<CompletionChunk> firstChunks(String requestId, Duration timeout) {
        return chunks(KafkaProbe.readUntil(Topics.INFERENCE_EVENTS, timeout,
                seen -> !chunks(seen, requestId).isEmpty()), requestId);
    }

    static List<CompletionChunk> chunks(List<ConsumerRecord<String, byte[]>> records, String requestId) {
        List<CompletionChunk> chunks = new ArrayList<>();
        for (var r : records) {
            if (requestId.equals(r.key())) {
                try {
                    chunks.add(Json.LENIENT.readValue(r.value(), CompletionChunk.class));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return chunks;
    }

    /** One choice's token ids, in chunk order. */
    static List<Integer> tokens(List<CompletionChunk> chunks, int index) {
        return chunks.stream().filter(c -> c.index() == index && c.tokens() != null)
                .sorted(Comparator.comparingLong(CompletionChunk::seq))
                .flatMap(c -> c.tokens().stream().map(CompletionChunk.TokenInfo::id)).toList();
    }

    static String text(List<CompletionChunk> chunks, int index) {
        StringBuilder text = new StringBuilder();
        chunks.stream().filter(c -> c.index() == index && c.text() != null)
                .sorted(Comparator.comparingLong(CompletionChunk::seq)).forEach(c -> text.append(c.text()));
        return text.toString();
    }
}
