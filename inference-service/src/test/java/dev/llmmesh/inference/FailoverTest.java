package dev.llmmesh.inference;

import ai.djl.Device;
import dev.llmmesh.core.generate.Generator;
import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.core.generate.SequenceOutput;
import dev.llmmesh.core.generate.TokenText;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.inference.requests.RequestConsumer;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.llmmesh.inference.InferenceFixture.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas share the request topic. The one answering a long request stops mid-stream (its context closes, so
 * it leaves the group without committing the request); the other takes the partition over, reads the request again
 * and answers it whole: chunks numbered from 0 again, under its own name, with the same tokens and text, each
 * chunk saying where in the choice it starts.
 */
class FailoverTest {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverTest.class);
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    /** Big enough that a long answer takes seconds on a CPU: time to stop the replica in the middle of it. */
    private static final GptConfig MODEL = new GptConfig(50257, 512, 128, 4, 4, 0.0, 1e-5);
    private static final int MAX_TOKENS = 480;

    @Test
    void anotherReplicaAnswersARequestWhoseReplicaStoppedMidStream() throws Exception {
        Path artifacts = InferenceFixture.tempDir();
        String model = "failover-" + InferenceFixture.shortId();
        Map<String, Object> props = InferenceFixture.properties(artifacts, "inference-failover-" + InferenceFixture.shortId());
        props.put("llm.inference.models", model);

        ApplicationContext one = ApplicationContext.run(props, "test");
        ApplicationContext two = ApplicationContext.run(props, "test");
        boolean oneOpen = true;
        boolean twoOpen = true;
        try {
            InferenceFixture.publishModel(artifacts, model, MODEL, 11);
            awaitSplit(one.getBean(RequestConsumer.class), two.getBean(RequestConsumer.class));

            CompletionRequest request = InferenceFixture.request(model, "Call me Ishmael.", MAX_TOKENS, 0.9, 2024, 1);
            InferenceFixture.send(request);
            String first = InferenceFixture.firstChunks(request.requestId(), TIMEOUT).getFirst().replica();
            long t0 = System.nanoTime();
            if (first.equals(one.getBean(InferenceSettings.class).replica())) {
                one.close();
                oneOpen = false;
            } else {
                two.close();
                twoOpen = false;
            }
            LOG.info("replica {} stopped in {} ms", first, (System.nanoTime() - t0) / 1_000_000);

            List<CompletionChunk> all = InferenceFixture.chunks(
                    dev.llmmesh.testkit.KafkaProbe.readUntil(dev.llmmesh.mesh.Topics.INFERENCE_EVENTS, TIMEOUT,
                            seen -> InferenceFixture.chunks(seen, request.requestId()).stream()
                                    .anyMatch(c -> c.last() && !c.replica().equals(first))),
                    request.requestId());
            List<CompletionChunk> stopped = all.stream().filter(c -> c.replica().equals(first)).toList();
            List<CompletionChunk> takeover = all.stream().filter(c -> !c.replica().equals(first)).toList();
            LOG.info("stopped replica sent {} chunks ({} tokens), the other {} chunks", stopped.size(),
                    tokens(stopped, 0).size(), takeover.size());

            assertTrue(stopped.stream().noneMatch(CompletionChunk::last), "the first replica stopped mid-stream");
            for (int i = 0; i < takeover.size(); i++) {
                assertEquals(i, takeover.get(i).seq(), "the new owner numbers its chunks from 0");
            }
            assertNotEquals(first, takeover.getFirst().replica());
            assertEquals(MAX_TOKENS, takeover.getLast().usage().completionTokens());

            SequenceOutput undisturbed = reference(artifacts.resolve(ArtifactKeys.modelDir(model)), request);
            List<Integer> reference = Arrays.stream(undisturbed.tokens()).boxed().toList();
            assertEquals(reference, tokens(takeover, 0), "the take-over generates the same tokens");
            assertEquals(undisturbed.text(), InferenceFixture.text(takeover, 0), "and the same text");
            List<Integer> partial = tokens(stopped, 0);
            assertFalse(partial.isEmpty());
            assertEquals(reference.subList(0, partial.size()), partial, "what the first replica sent was right too");
            // Each replica's chunks say where in the choice they start, so a reader can splice the two streams.
            for (List<CompletionChunk> chunks : List.of(stopped, takeover)) {
                int at = 0;
                int textAt = 0;
                for (CompletionChunk chunk : chunks) {
                    assertEquals(at, chunk.offset(), "token offset of chunk " + chunk.seq() + " of " + chunk.replica());
                    assertEquals(textAt, chunk.textOffset(), "text offset of chunk " + chunk.seq());
                    String text = undisturbed.text();
                    assertEquals(text.substring(text.offsetByCodePoints(0, textAt),
                            text.offsetByCodePoints(0, textAt + chunk.text().codePointCount(0, chunk.text().length()))),
                            chunk.text(), "the chunk's text is the undisturbed text at its offset");
                    at += chunk.tokens().size();
                    textAt += chunk.text().codePointCount(0, chunk.text().length());
                }
            }
        } finally {
            if (oneOpen) {
                one.close();
            }
            if (twoOpen) {
                two.close();
            }
        }
    }

    /** Both replicas own some of the 16 partitions, so the request's owner is a matter of its key. */
    private static void awaitSplit(RequestConsumer a, RequestConsumer b) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!(a.ownedPartitions() > 0 && b.ownedPartitions() > 0
                && a.ownedPartitions() + b.ownedPartitions() == 16)) {
            assertTrue(System.nanoTime() < deadline, "the replicas never shared the partitions");
            Thread.sleep(100);
        }
    }

    /** The same request generated here, in the test, with core's generator. */
    private static SequenceOutput reference(Path modelDir, CompletionRequest r) throws Exception {
        BpeTokenizer gpt2 = Gpt2Vocabulary.gpt2();
        SamplingParams params = SamplingParams.builder().maxTokens(r.maxTokens())
                .temperature(r.sampling().temperature()).seed(r.sampling().seed())
                .stopTokenIds(List.of(gpt2.specialTokens().get("<|endoftext|>"))).build();
        try (GptModel model = GptCheckpoint.load(modelDir, Device.cpu())) {
            var completion = Generator.complete(model, TokenText.of(gpt2), gpt2.encode(r.prompt()), params);
            return completion.choices().getFirst();
        }
    }
}
