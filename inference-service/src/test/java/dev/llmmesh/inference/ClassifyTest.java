package dev.llmmesh.inference;

import ai.djl.Device;
import dev.llmmesh.core.finetune.Classified;
import dev.llmmesh.core.finetune.ClassifierCheckpoint;
import dev.llmmesh.core.finetune.ClassifierModel;
import dev.llmmesh.core.finetune.Pooling;
import dev.llmmesh.core.finetune.Truncation;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.Classification;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import dev.llmmesh.testkit.KafkaProbe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.llmmesh.inference.InferenceFixture.answer;
import static dev.llmmesh.inference.InferenceFixture.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A classifier served by one replica: classify requests over Kafka against the same model run in process. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClassifyTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** Not alphabetical: the head's order is what the answer must keep. */
    private static final List<String> LABELS = List.of("spam", "ham", "unsure");
    private static final int MAX_LENGTH = 12;

    private final Path artifacts = InferenceFixture.tempDir();
    private final String classifier = "clf-" + InferenceFixture.shortId();
    private final String base = "tiny-" + InferenceFixture.shortId();
    private final String group = "classify-test-" + InferenceFixture.shortId();
    private EmbeddedServer server;

    @BeforeAll
    void start() throws Exception {
        Map<String, Object> props = InferenceFixture.properties(artifacts, group);
        props.put("llm.inference.models", classifier + "," + base);
        server = ApplicationContext.run(EmbeddedServer.class, props, "test");
        InferenceFixture.publishModel(artifacts, base, InferenceFixture.TINY, 3);
        String artifact = ArtifactKeys.modelDir(classifier);
        try (ClassifierModel model = ClassifierModel.fromBase(GptModel.initialize(InferenceFixture.TINY, Device.cpu(),
                11), LABELS, MAX_LENGTH, 50256, Pooling.MEAN, Truncation.DEFAULT, 5)) {
            ClassifierCheckpoint.save(model, artifacts.resolve(artifact));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> shape = Json.LENIENT.convertValue(InferenceFixture.TINY, Map.class);
        var announcement = ModelAnnouncement.base(classifier, shape, TokenizerRegistry.GPT2, artifact, "fixture",
                Map.of(), Instant.now()).withParent(base).asClassifier(LABELS);
        KafkaProbe.send(Topics.MODELS, classifier, Json.bytes(announcement));
    }

    @AfterAll
    void stop() {
        server.getApplicationContext().close();
    }

    private static ClassifyRequest request(String modelId, List<String> inputs) {
        return new ClassifyRequest(InferenceCommand.SCHEMA_VERSION, "clf-" + InferenceFixture.shortId(), modelId,
                inputs, Instant.now().plus(Duration.ofMinutes(3)));
    }

    private double counter(String name) {
        Counter counter = server.getApplicationContext().getBean(MeterRegistry.class).find(name)
                .tag("model", classifier).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void probabilitiesEqualTheInProcessClassifierAndAllInputsAreOneForward() throws Exception {
        List<String> texts = List.of("Win a free cruise now!!!", "Are we still on for lunch?",
                "This mail is longer than the classifier's twelve tokens, so only its first twelve are read");
        // Warm: the model is loaded and has answered once, so the counters below count this request alone.
        CompletionChunk warm = answer(sendAndId(request(classifier, List.of("warm up"))), TIMEOUT).getLast();
        assertNull(warm.error(), () -> "" + warm.error());
        double forwards = counter("llm.inference.classify.forwards");
        double inputs = counter("llm.inference.classify.inputs");

        ClassifyRequest request = request(classifier, texts);
        send(request);
        CompletionChunk chunk = answer(request.requestId(), TIMEOUT).getLast();

        assertNull(chunk.error(), () -> "" + chunk.error());
        assertEquals(1.0, counter("llm.inference.classify.forwards") - forwards, "one forward for the request");
        assertEquals(3.0, counter("llm.inference.classify.inputs") - inputs);
        BpeTokenizer tokenizer = server.getApplicationContext().getBean(TokenizerRegistry.class)
                .find(TokenizerRegistry.GPT2).orElseThrow();
        List<int[]> ids = new ArrayList<>();
        texts.forEach(t -> ids.add(tokenizer.encodeOrdinary(t)));
        List<Classified> expected;
        try (ClassifierModel model = ClassifierCheckpoint.load(artifacts.resolve(ArtifactKeys.modelDir(classifier)),
                Device.cpu())) {
            expected = model.classify(ids);
        }
        List<Classification> items = chunk.classified();
        assertEquals(3, items.size());
        int tokens = 0;
        for (int i = 0; i < 3; i++) {
            Classification item = items.get(i);
            Classified want = expected.get(i);
            assertEquals(i, item.index());
            assertEquals(LABELS, new ArrayList<>(item.probabilities().keySet()));
            for (int k = 0; k < LABELS.size(); k++) {
                assertEquals(want.probabilities()[k], item.probabilities().get(LABELS.get(k)), 1e-5,
                        "input " + i + ", label " + LABELS.get(k));
            }
            assertEquals(LABELS.get(want.label()), item.label());
            assertEquals(Math.min(ids.get(i).length, MAX_LENGTH), item.tokens());
            assertEquals(ids.get(i).length > MAX_LENGTH, item.truncated());
            tokens += item.tokens();
        }
        assertTrue(items.get(2).truncated(), "the long text was cut to " + MAX_LENGTH + " tokens");
        assertFalse(items.get(0).truncated());
        assertEquals(new CompletionChunk.Usage(tokens, 0), chunk.usage());
    }

    @Test
    void aCompletionForAClassifierIsRefusedSayingWhy() throws Exception {
        CompletionRequest completion = InferenceFixture.request(classifier, "Hello", 5, 0.0, 1, 1);
        send(completion);
        CompletionChunk.InferenceError error = answer(completion.requestId(), TIMEOUT).getLast().error();
        assertEquals(400, error.status());
        assertEquals("model", error.param());
        assertTrue(error.message().contains("/v1/classify"), error.message());
    }

    @Test
    void aClassifyRequestForABaseModelIsRefusedNamingItsKind() throws Exception {
        ClassifyRequest request = request(base, List.of("hello"));
        send(request);
        CompletionChunk.InferenceError error = answer(request.requestId(), TIMEOUT).getLast().error();
        assertEquals(400, error.status());
        assertEquals("model", error.param());
        assertTrue(error.message().contains("kind base"), error.message());
    }

    @Test
    void aTextWithNoTokensIsRefusedNamingTheInput() throws Exception {
        ClassifyRequest request = request(classifier, List.of("fine", ""));
        send(request);
        CompletionChunk.InferenceError error = answer(request.requestId(), TIMEOUT).getLast().error();
        assertEquals(400, error.status());
        assertEquals("input", error.param());
        assertTrue(error.message().contains("input 1"), error.message());
    }

    private static String sendAndId(ClassifyRequest request) throws Exception {
        send(request);
        return request.requestId();
    }
}
