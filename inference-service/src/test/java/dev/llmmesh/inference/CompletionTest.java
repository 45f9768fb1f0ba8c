package dev.llmmesh.inference;

import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.inference.models.ThrowingCatalog;
import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import dev.llmmesh.testkit.HttpProblems;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.TraceParent;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.client.HttpClient;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.llmmesh.inference.InferenceFixture.answer;
import static dev.llmmesh.inference.InferenceFixture.request;
import static dev.llmmesh.inference.InferenceFixture.send;
import static dev.llmmesh.inference.InferenceFixture.text;
import static dev.llmmesh.inference.InferenceFixture.tokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One replica, one tiny model: what a request gets back on llm.inference.events. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompletionTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final String PROMPT = "The quick brown fox";

    private final Path artifacts = InferenceFixture.tempDir();
    private final String model = "tiny-" + InferenceFixture.shortId();
    private final String broken = "broken-" + InferenceFixture.shortId();
    /** Routing a request to it throws ({@link ThrowingCatalog}). */
    private final String throwing = "throwing-" + InferenceFixture.shortId();
    private final String group = "inference-test-" + InferenceFixture.shortId();
    private EmbeddedServer server;

    @BeforeAll
    void start() throws Exception {
        Map<String, Object> props = InferenceFixture.properties(artifacts, group);
        // Only this class's model: others announced on the shared registry are not loaded here.
        props.put("llm.inference.models", model + "," + broken);
        props.put(ThrowingCatalog.PROPERTY, throwing);
        server = ApplicationContext.run(EmbeddedServer.class, props, "test");
        InferenceFixture.publishModel(artifacts, model, InferenceFixture.TINY, 7);
    }

    @AfterAll
    void stop() {
        server.getApplicationContext().close();
    }

    @Test
    void aRequestNobodyStreamsComesAsOneChunkPerChoiceWithTheSameTokens() throws Exception {
        CompletionRequest streamed = request(model, PROMPT, 20, 0.8, 42, 2);
        CompletionRequest r = request(model, PROMPT, 20, 0.8, 42, 2);
        CompletionRequest whole = InferenceFixture.withSampling(r, r.sampling(), false, false);
        send(streamed);
        send(whole);
        List<CompletionChunk> pieces = answer(streamed.requestId(), TIMEOUT);
        List<CompletionChunk> chunks = answer(whole.requestId(), TIMEOUT);
        assertEquals(2, chunks.size(), "one chunk per choice: " + chunks);
        for (int choice = 0; choice < 2; choice++) {
            assertEquals(InferenceFixture.text(pieces, choice), InferenceFixture.text(chunks, choice));
        }
        assertTrue(pieces.size() > 2, "the streamed twin came in pieces");
        assertEquals(new CompletionChunk.Usage(4, 40, 0), chunks.getLast().usage());
    }

    @Test
    void aRequestStreamsNumberedChunksAndEndsWithUsage() throws Exception {
        CompletionRequest request = request(model, PROMPT, 20, 0.8, 42, 1);
        send(request);
        List<CompletionChunk> chunks = answer(request.requestId(), TIMEOUT);

        for (int i = 0; i < chunks.size(); i++) {
            assertEquals(i, chunks.get(i).seq(), "chunks in order, numbered from 0");
            assertEquals(0, chunks.get(i).index());
            assertNotNull(chunks.get(i).replica());
        }
        assertTrue(chunks.size() >= 5, "streamed in pieces of a few tokens, got " + chunks.size() + " chunks");
        CompletionChunk last = chunks.getLast();
        assertEquals("length", last.finishReason());
        assertEquals(new CompletionChunk.Usage(4, 20, 0), last.usage());
        chunks.subList(0, chunks.size() - 1).forEach(c -> {
            assertNull(c.usage());
            assertNull(c.finishReason());
        });
        List<Integer> ids = tokens(chunks, 0);
        assertEquals(20, ids.size());
        assertEquals(Gpt2Vocabulary.gpt2().decode(ids.stream().mapToInt(Integer::intValue).toArray()),
                text(chunks, 0), "the streamed text is the tokens' text");
    }

    @Test
    void theSameSeedGivesTheSameCompletion() throws Exception {
        CompletionRequest first = request(model, PROMPT, 12, 1.0, 1234, 1);
        CompletionRequest again = request(model, PROMPT, 12, 1.0, 1234, 1);
        CompletionRequest other = request(model, PROMPT, 12, 1.0, 4321, 1);
        send(first);
        send(again);
        send(other);
        List<Integer> a = tokens(answer(first.requestId(), TIMEOUT), 0);
        assertEquals(a, tokens(answer(again.requestId(), TIMEOUT), 0));
        assertNotEquals(a, tokens(answer(other.requestId(), TIMEOUT), 0));
    }

    @Test
    void nTwoGivesTwoChoicesAndOneUsageAtTheEnd() throws Exception {
        CompletionRequest request = request(model, PROMPT, 10, 1.0, 99, 2);
        send(request);
        List<CompletionChunk> chunks = answer(request.requestId(), TIMEOUT);

        for (int index = 0; index < 2; index++) {
            int choice = index;
            List<CompletionChunk> mine = chunks.stream().filter(c -> c.index() == choice).toList();
            for (int i = 0; i < mine.size(); i++) {
                assertEquals(i, mine.get(i).seq(), "each choice numbers its own chunks");
            }
            assertEquals("length", mine.getLast().finishReason());
            assertEquals(10, tokens(chunks, index).size());
        }
        assertNotEquals(tokens(chunks, 0), tokens(chunks, 1), "two samples, two seeds");
        assertEquals(1, chunks.stream().filter(c -> c.usage() != null).count());
        assertEquals(new CompletionChunk.Usage(4, 20, 0), chunks.getLast().usage());
    }

    @Test
    void echoPutsThePromptWithLogprobsInTheFirstChunk() throws Exception {
        CompletionRequest plain = request(model, PROMPT, 3, 0.0, 1, 1);
        CompletionRequest request = InferenceFixture.withSampling(plain,
                plain.sampling().toBuilder().logprobs(2).echo(true).build(), false, null);
        send(request);
        List<CompletionChunk> chunks = answer(request.requestId(), TIMEOUT);

        List<CompletionChunk.TokenInfo> echo = chunks.getFirst().echo();
        assertEquals(List.of(464, 2068, 7586, 21831), echo.stream().map(CompletionChunk.TokenInfo::id).toList());
        assertNull(echo.getFirst().logprob(), "nothing predicts the first token");
        echo.subList(1, 4).forEach(t -> assertTrue(t.logprob() < 0 && t.top().size() == 2, t.toString()));
        chunks.stream().flatMap(c -> c.tokens().stream()).forEach(t -> assertEquals(2, t.top().size()));
    }

    /** The scoring protocol eval-service and the gateway use: token ids, max_tokens 0, echo and logprobs. */
    @Test
    void tokenIdPromptsAreScoredLikeTheSameTextWithNothingGenerated() throws Exception {
        CompletionRequest text = InferenceFixture.withSampling(request(model, PROMPT, 0, 0.0, 1, 1),
                request(model, PROMPT, 0, 0.0, 1, 1).sampling().toBuilder().logprobs(1).echo(true).build(), false,
                null);
        CompletionRequest ids = new CompletionRequest(text.schemaVersion(), text.requestId() + "-ids", null, model,
                null, List.of(464, 2068, 7586, 21831), text.sampling(), false, null, text.deadline(), null);
        send(text);
        send(ids);
        List<CompletionChunk> byText = answer(text.requestId(), TIMEOUT);
        List<CompletionChunk> byIds = answer(ids.requestId(), TIMEOUT);

        assertEquals(1, byIds.size(), "one chunk: the scored prompt, finished");
        CompletionChunk scored = byIds.getFirst();
        assertEquals(byText.getFirst().echo(), scored.echo());
        assertNull(scored.echo().getFirst().logprob());
        scored.echo().subList(1, 4).forEach(t -> assertEquals(1, t.top().size(), t.toString()));
        assertEquals(List.of(), scored.tokens());
        assertEquals("length", scored.finishReason());
        assertEquals(4, scored.usage().promptTokens());
        assertEquals(0, scored.usage().completionTokens());

        CompletionRequest outside = new CompletionRequest(text.schemaVersion(), text.requestId() + "-bad", null,
                model, null, List.of(464, 50257), text.sampling(), false, null, text.deadline(), null);
        send(outside);
        CompletionChunk.InferenceError error = answer(outside.requestId(), TIMEOUT).getLast().error();
        assertEquals(400, error.status());
        assertEquals("prompt", error.param());

        // A window of the context + 1 tokens (a trainer's validation window) is scored: its last token is no input.
        List<Integer> window = java.util.stream.IntStream.range(0, 257).map(i -> 464 + i).boxed().toList();
        CompletionRequest longest = new CompletionRequest(text.schemaVersion(), text.requestId() + "-257", null,
                model, null, window, text.sampling(), false, null, text.deadline(), null);
        send(longest);
        CompletionChunk whole = answer(longest.requestId(), TIMEOUT).getLast();
        assertNull(whole.error(), String.valueOf(whole.error()));
        assertEquals(257, whole.echo().size());
        assertEquals(window.getLast(), whole.echo().getLast().id());
        CompletionRequest generating = InferenceFixture.withSampling(new CompletionRequest(text.schemaVersion(),
                text.requestId() + "-257-gen", null, model, null, window, text.sampling(), false, null,
                text.deadline(), null), text.sampling().toBuilder().maxTokens(1).build(), false, null);
        send(generating);
        CompletionChunk.InferenceError tooLong = answer(generating.requestId(), TIMEOUT).getLast().error();
        assertEquals("prompt", tooLong.param());
        assertTrue(tooLong.message().contains("257 tokens") && tooLong.message().contains("at most 256"),
                "a prompt that also feeds a generated token must fit the positions: " + tooLong.message());
    }

    @Test
    void aRequestThatDoesNotFitTheContextGetsA400() throws Exception {
        CompletionRequest tooLong = request(model, PROMPT, 253, 0.0, 1, 1);
        send(tooLong);
        CompletionChunk.InferenceError error = answer(tooLong.requestId(), TIMEOUT).getLast().error();
        assertEquals(400, error.status());
        assertEquals("context_length_exceeded", error.code());
        assertEquals("max_tokens", error.param());
        assertTrue(error.message().contains("256") && error.message().contains("257"), error.message());

        CompletionRequest hugePrompt = request(model, "fox ".repeat(300), 1, 0.0, 1, 1);
        send(hugePrompt);
        CompletionChunk.InferenceError promptError = answer(hugePrompt.requestId(), TIMEOUT).getLast().error();
        assertEquals("prompt", promptError.param());
        assertTrue(promptError.message().contains("at most 256") && !promptError.message().contains("max_tokens"),
                "the prompt alone is the cause, whatever max_tokens says: " + promptError.message());

        CompletionRequest fits = request(model, PROMPT, 252, 0.0, 1, 1);
        send(fits);
        assertEquals(252, answer(fits.requestId(), TIMEOUT).getLast().usage().completionTokens());
    }

    @Test
    void aRequestWithoutMaxTokensGeneratesUpToTheContext() throws Exception {
        // What the gateway sends for a chat request without max_tokens.
        CompletionRequest request = InferenceFixture.withSize(request(model, PROMPT, 1, 1.0, 3, 1), null, 1);
        send(request);
        CompletionChunk last = answer(request.requestId(), TIMEOUT).getLast();
        assertNull(last.error());
        assertEquals("length", last.finishReason());
        assertEquals(new CompletionChunk.Usage(4, 256 - 4, 0), last.usage(), "the context is 256 positions");
    }

    /**
     * Requests that broke admission (a null max_tokens threw, a huge n ran the engine out of memory) used to fail
     * every request decoding beside them, or stop the engine, and came back at every replica start: uncommitted.
     */
    @Test
    void aRequestThatBrokeAdmissionFailsAloneAndIsCommitted() throws Exception {
        List<CompletionRequest> healthy = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            healthy.add(request(model, PROMPT, 60, 1.0, 100 + i, i % 2 + 1));
        }
        CompletionRequest noMaxTokens = InferenceFixture.withSize(request(model, PROMPT, 1, 1.0, 7, 2), null, 2);
        CompletionRequest hugeN = InferenceFixture.withSize(request(model, PROMPT, 4, 1.0, 8, 1), 4, Integer.MAX_VALUE);
        for (CompletionRequest r : healthy.subList(0, 3)) {
            send(r);
        }
        // They are decoding when the others arrive.
        InferenceFixture.firstChunks(healthy.get(2).requestId(), TIMEOUT);
        send(noMaxTokens);
        send(hugeN);
        for (CompletionRequest r : healthy.subList(3, 6)) {
            send(r);
        }

        for (CompletionRequest r : healthy) {
            CompletionChunk last = answer(r.requestId(), TIMEOUT).getLast();
            assertNull(last.error(), () -> r.requestId() + ": " + last.error());
            assertEquals(60 * r.sampling().n(), last.usage().completionTokens());
        }
        CompletionChunk toContext = answer(noMaxTokens.requestId(), TIMEOUT).getLast();
        assertNull(toContext.error(), () -> String.valueOf(toContext.error()));
        assertEquals(2 * (256 - 4), toContext.usage().completionTokens());
        CompletionChunk.InferenceError refused = answer(hugeN.requestId(), TIMEOUT).getLast().error();
        assertEquals(400, refused.status());
        assertEquals("n", refused.param());

        // Committed: the group's offset moved past it, so no replica reads it again.
        var record = KafkaProbe.readUntil(Topics.INFERENCE_REQUESTS, TIMEOUT,
                        seen -> seen.stream().anyMatch(r -> hugeN.requestId().equals(r.key()))).stream()
                .filter(r -> hugeN.requestId().equals(r.key())).findFirst().orElseThrow();
        assertCommitted(new TopicPartition(record.topic(), record.partition()), record.offset());
    }

    /**
     * The last net under the request consumer, for a request whose handling throws (a bug it finds; every known
     * poison is refused before): answered with the error, dead-lettered with the reason and committed, rather than
     * left open to hold back its partition's commits and break the partition's next owner the same way.
     */
    @Test
    void aRequestWhoseHandlingThrowsIsAnsweredDeadLetteredAndCommitted() throws Exception {
        CompletionRequest request = request(throwing, PROMPT, 5, 0.0, 1, 1);
        send(request);
        List<CompletionChunk> chunks = answer(request.requestId(), TIMEOUT);
        assertEquals(1, chunks.size(), "one error chunk: " + chunks);
        CompletionChunk.InferenceError error = chunks.getFirst().error();
        assertEquals(500, error.status());
        assertTrue(error.message().contains("a routing bug") && error.message().contains(request.requestId()),
                error.message());

        var dead = KafkaProbe.readUntil(Topics.DEAD_LETTER, TIMEOUT,
                seen -> seen.stream().anyMatch(r -> request.requestId().equals(r.key()))).stream()
                .filter(r -> request.requestId().equals(r.key())).findFirst().orElseThrow();
        assertArrayEquals(InferenceFixture.bytes(request), dead.value());
        assertTrue(header(dead, DeadLetters.ERROR).contains("a routing bug that model " + throwing + " finds"),
                header(dead, DeadLetters.ERROR));
        assertCommitted(new TopicPartition(Topics.INFERENCE_REQUESTS,
                        Integer.parseInt(header(dead, DeadLetters.ORIGINAL_PARTITION))),
                Long.parseLong(header(dead, DeadLetters.ORIGINAL_OFFSET)));

        // The consumer goes on: the next request is served.
        CompletionRequest next = request(model, PROMPT, 2, 0.0, 1, 1);
        send(next);
        assertEquals(2, answer(next.requestId(), TIMEOUT).getLast().usage().completionTokens());
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        assertNotNull(header, name + " header");
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The group's offset moves past {@code offset}: no replica reads that request again. */
    private void assertCommitted(TopicPartition partition, long offset) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                MeshInfra.get().kafkaBootstrapServers()))) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            long committed;
            do {
                Thread.sleep(100);
                var position = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                        .get(partition);
                committed = position == null ? -1 : position.offset();
            } while (committed <= offset && System.nanoTime() < deadline);
            assertTrue(committed > offset, "committed " + committed + ", the request is at " + offset);
        }
    }

    @Test
    void anUnknownModelGetsA404() throws Exception {
        CompletionRequest request = request("no-such-model", PROMPT, 5, 0.0, 1, 1);
        send(request);
        List<CompletionChunk> chunks = answer(request.requestId(), TIMEOUT);
        assertEquals(1, chunks.size());
        assertEquals(404, chunks.getFirst().error().status());
        assertEquals("model_not_found", chunks.getFirst().error().code());
    }

    @Test
    void aModelThatCannotBeLoadedAnswers503WithTheReason() throws Exception {
        var announcement = dev.llmmesh.mesh.ModelAnnouncement.base(broken, Map.of(), "gpt2",
                "models/" + broken + "/", "fixture", Map.of(), Instant.now());
        KafkaProbe.send(Topics.MODELS, broken, dev.llmmesh.mesh.Json.bytes(announcement));
        CompletionRequest request = request(broken, PROMPT, 5, 0.0, 1, 1);
        send(request);
        CompletionChunk.InferenceError error = answer(request.requestId(), TIMEOUT).getLast().error();
        assertEquals(503, error.status());
        assertEquals("model_unavailable", error.code());
        assertTrue(error.message().contains("config.json"), error.message());
    }

    @Test
    void cancelEndsTheRequestEarly() throws Exception {
        CompletionRequest request = request(model, PROMPT, 250, 1.0, 5, 1);
        send(request);
        InferenceFixture.firstChunks(request.requestId(), TIMEOUT);
        InferenceFixture.cancel(request);
        CompletionChunk last = answer(request.requestId(), TIMEOUT).getLast();
        assertEquals("cancelled", last.finishReason());
        assertTrue(last.usage().completionTokens() < 250, "stopped after " + last.usage().completionTokens());
    }

    @Test
    void aRequestPastItsDeadlineIsDropped() throws Exception {
        CompletionRequest live = request(model, PROMPT, 2, 0.0, 1, 1);
        CompletionRequest late = InferenceFixture.withDeadline(InferenceFixture.withId(live, "late-" + InferenceFixture.shortId()),
                Instant.now().minusSeconds(1));
        // Same key, same partition: the late one is read first.
        KafkaProbe.send(Topics.INFERENCE_REQUESTS, live.requestId(), InferenceFixture.bytes(late));
        KafkaProbe.send(Topics.INFERENCE_REQUESTS, live.requestId(), InferenceFixture.bytes(live));
        var records = KafkaProbe.readUntil(Topics.INFERENCE_EVENTS, TIMEOUT,
                seen -> InferenceFixture.chunks(seen, live.requestId()).stream().anyMatch(CompletionChunk::last));
        assertEquals(List.of(), InferenceFixture.chunks(records, late.requestId()));
    }

    @Test
    void poisonGoesToTheDeadLetterTopicAndTheConsumerGoesOn() throws Exception {
        String key = "poison-" + InferenceFixture.shortId();
        KafkaProbe.send(Topics.INFERENCE_REQUESTS, key, "{not json".getBytes(StandardCharsets.UTF_8));
        var dead = KafkaProbe.readUntil(Topics.DEAD_LETTER, TIMEOUT,
                seen -> seen.stream().anyMatch(r -> key.equals(r.key()))).stream()
                .filter(r -> key.equals(r.key())).findFirst().orElseThrow();
        assertArrayEquals("{not json".getBytes(StandardCharsets.UTF_8), dead.value());
        assertEquals(Topics.INFERENCE_REQUESTS, new String(dead.headers().lastHeader(DeadLetters.ORIGINAL_TOPIC).value(),
                StandardCharsets.UTF_8));
        assertNotNull(dead.headers().lastHeader(DeadLetters.ERROR));

        // Same partition as the poison, after it.
        CompletionRequest next = InferenceFixture.withId(request(model, PROMPT, 2, 0.0, 1, 1), key);
        send(next);
        assertEquals(2, answer(key, TIMEOUT).getLast().usage().completionTokens());
    }

    /**
     * A gateway of another release writes requests this replica cannot read: its client hears so (and what to do)
     * rather than waiting for a timeout; the record is dead-lettered and committed, and the consumer goes on.
     */
    @Test
    void aRequestOfAnotherSchemaVersionIsAnsweredWithAnErrorAndDeadLettered() throws Exception {
        String id = "v1-" + InferenceFixture.shortId();
        // Schema version 1 as a gateway of that release wrote it: the sampling settings were fields of the request.
        byte[] old = ("{\"type\":\"completion\",\"schemaVersion\":1,\"requestId\":\"" + id + "\",\"modelId\":\""
                + model + "\",\"prompt\":\"" + PROMPT + "\",\"maxTokens\":2,\"temperature\":0.0,\"topK\":0,"
                + "\"topP\":1.0,\"minP\":0.0,\"repetitionPenalty\":1.0,\"presencePenalty\":0.0,"
                + "\"frequencyPenalty\":0.0,\"stop\":[],\"seed\":1,\"n\":1,\"echo\":false}")
                .getBytes(StandardCharsets.UTF_8);
        KafkaProbe.send(Topics.INFERENCE_REQUESTS, id, old);

        List<CompletionChunk> chunks = answer(id, TIMEOUT);
        assertEquals(1, chunks.size(), "one error chunk: " + chunks);
        CompletionChunk.InferenceError error = chunks.getFirst().error();
        assertEquals(503, error.status());
        assertEquals("unsupported_schema_version", error.code());
        assertTrue(error.message().contains("schema version 1; this replica reads version "
                + InferenceCommand.SCHEMA_VERSION), error.message());
        ConsumerRecord<String, byte[]> dead = deadLetter(id);
        assertArrayEquals(old, dead.value());
        assertCommitted(new TopicPartition(Topics.INFERENCE_REQUESTS,
                        Integer.parseInt(header(dead, DeadLetters.ORIGINAL_PARTITION))),
                Long.parseLong(header(dead, DeadLetters.ORIGINAL_OFFSET)));

        CompletionRequest next = InferenceFixture.withId(request(model, PROMPT, 2, 0.0, 1, 1), id + "-next");
        send(next);
        assertEquals(2, answer(next.requestId(), TIMEOUT).getLast().usage().completionTokens());
    }

    /**
     * Sampling settings are checked as they are read, so a value the gateway would have refused cannot reach the
     * decoder; a sender that lets one through still gets OpenAI's answer naming the field, not a timeout.
     */
    @Test
    void aRequestWithAnInvalidSamplingValueIsAnsweredNamingTheField() throws Exception {
        CompletionRequest request = request(model, PROMPT, 2, 0.0, 1, 1);
        String json = new String(InferenceFixture.bytes(request), StandardCharsets.UTF_8);
        String bad = json.replace("\"presencePenalty\":0.0", "\"presencePenalty\":9.5");
        assertNotEquals(json, bad);
        KafkaProbe.send(Topics.INFERENCE_REQUESTS, request.routingKey(), bad.getBytes(StandardCharsets.UTF_8));

        List<CompletionChunk> chunks = answer(request.requestId(), TIMEOUT);
        assertEquals(1, chunks.size(), "one error chunk: " + chunks);
        CompletionChunk.InferenceError error = chunks.getFirst().error();
        assertEquals(400, error.status());
        assertEquals("invalid_request_error", error.code());
        assertEquals("presence_penalty", error.param());
        assertTrue(error.message().contains("presence_penalty must be in [-2, 2], got 9.5"), error.message());
        assertTrue(header(deadLetter(request.requestId()), DeadLetters.ERROR).contains("presence_penalty"));
    }

    private static ConsumerRecord<String, byte[]> deadLetter(String key) {
        return KafkaProbe.readUntil(Topics.DEAD_LETTER, TIMEOUT,
                        seen -> seen.stream().anyMatch(r -> key.equals(r.key()))).stream()
                .filter(r -> key.equals(r.key())).findFirst().orElseThrow();
    }

    @Test
    void chunksContinueTheTraceOfTheRequest() throws Exception {
        TraceParent parent = TraceParent.random();
        CompletionRequest request = request(model, PROMPT, 6, 0.0, 1, 1);
        KafkaProbe.send(Topics.INFERENCE_REQUESTS, request.requestId(), InferenceFixture.bytes(request),
                Map.of(TraceParent.HEADER, parent.header()));
        var records = KafkaProbe.readUntil(Topics.INFERENCE_EVENTS, TIMEOUT,
                seen -> InferenceFixture.chunks(seen, request.requestId()).stream().anyMatch(CompletionChunk::last))
                .stream().filter(r -> request.requestId().equals(r.key())).toList();
        assertTrue(records.size() >= 2);
        for (var record : records) {
            TraceParent chunkTrace = TraceParent.of(record).orElseThrow(() -> new AssertionError("no traceparent"));
            assertEquals(parent.traceId(), chunkTrace.traceId(), "one trace from the gateway's request to its chunks");
        }
    }

    @Test
    void prometheusShowsTimeToFirstTokenAndTokens() throws Exception {
        CompletionRequest request = request(model, PROMPT, 5, 0.0, 1, 1);
        send(request);
        answer(request.requestId(), TIMEOUT);
        try (HttpClient client = HttpClient.create(server.getURL())) {
            String metrics = client.toBlocking().retrieve("/prometheus");
            assertTrue(metrics.contains("llm_inference_time_to_first_token_seconds_count{model=\"" + model + "\"}"),
                    metrics);
            assertTrue(metrics.contains("llm_inference_tokens_generated_total{model=\"" + model + "\"}"));
            assertTrue(metrics.contains("llm_inference_requests_total{model=\"" + model + "\",outcome=\"completed\"}"));
        }
    }

    @Test
    void errorsMicronautProducesItselfAreProblems() throws Exception {
        HttpProblems.assertProblem(server.getURL(), "GET", "/v1/nothing-here", 404);
        assertEquals("method", HttpProblems.assertProblem(server.getURL(), "DELETE", "/v1/models", 405)
                .path("field").asText());
    }

    @Test
    void theServiceListsItsModels() throws Exception {
        try (HttpClient client = HttpClient.create(server.getURL())) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            String body;
            do {
                body = client.toBlocking().retrieve("/v1/models");
            } while (!body.contains("\"state\":\"ready\"") && System.nanoTime() < deadline);
            assertTrue(body.contains("\"id\":\"" + model + "\"") && body.contains("\"state\":\"ready\""), body);
            String health = client.toBlocking().retrieve("/health");
            assertTrue(health.contains(model), health);
        }
    }
}
