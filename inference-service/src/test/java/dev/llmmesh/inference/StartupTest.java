package dev.llmmesh.inference;

import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionRequest;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A replica that starts after a model was announced, with a request for it already waiting (say, after another
 * replica died), reads the registry from its start: the old model is loaded and the request answered, not refused
 * with "model not found". (That requests are taken only once the registry is read is ordered in RequestConsumer;
 * on this broker the group join is slower than the read, so this test cannot tell the order apart.)
 */
class StartupTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @Test
    void requestsWaitingAtStartupAreAnsweredByModelsAnnouncedBefore() throws Exception {
        Path artifacts = InferenceFixture.tempDir();
        String model = InferenceFixture.publishModel(artifacts, InferenceFixture.TINY, 3);
        CompletionRequest request = InferenceFixture.request(model, "Call me Ishmael.", 3, 0.0, 1, 1);
        InferenceFixture.send(request);

        Map<String, Object> props = InferenceFixture.properties(artifacts, "inference-startup-" + InferenceFixture.shortId());
        props.put("llm.inference.models", model);
        try (ApplicationContext ignored = ApplicationContext.run(props, "test")) {
            List<CompletionChunk> chunks = InferenceFixture.answer(request.requestId(), TIMEOUT);
            assertNull(chunks.getLast().error(), () -> "answered with " + chunks.getLast().error());
            assertEquals(3, chunks.getLast().usage().completionTokens());
        }
    }
}
