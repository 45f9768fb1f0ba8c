package dev.llmmesh.inference.engine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;

/**
 * What an operator watches on {@code /prometheus}: time to first token (from the request's arrival to its first
 * chunk leaving), tokens generated, prompt tokens by where their KV states came from, and requests by how they
 * ended, per model.
 */
@Singleton
public class InferenceMetrics {
    private final MeterRegistry registry;

    public InferenceMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void firstToken(String modelId, Duration sinceArrival) {
        Timer.builder("llm.inference.time.to.first.token")
                .description("from a request's arrival at the replica to its first chunk, queueing included")
                .publishPercentiles(0.5, 0.95).tag("model", modelId).register(registry).record(sinceArrival);
    }

    public void tokens(String modelId, int count) {
        Counter.builder("llm.inference.tokens.generated").description("tokens generated, all choices")
                .tag("model", modelId).register(registry).increment(count);
    }

    /**
     * Prompt positions prefilled: {@code source=cache} loaded from the shared KV prefix store, {@code source=model}
     * fed through the model. Their ratio is the prefix cache's hit rate, in tokens.
     */
    public void promptTokens(String modelId, long reused, long computed) {
        if (reused > 0) {
            promptTokenCounter(modelId, "cache").increment(reused);
        }
        if (computed > 0) {
            promptTokenCounter(modelId, "model").increment(computed);
        }
    }

    private Counter promptTokenCounter(String modelId, String source) {
        return Counter.builder("llm.inference.prompt.tokens").description("prompt tokens prefilled, by source")
                .tags("model", modelId, "source", source).register(registry);
    }

    /**
     * One classifier forward: how many inputs it labeled together (more than one request's when they arrived
     * together), the tokens it read, and how long it took.
     */
    public void classifyForward(String modelId, int inputs, long tokens, Duration took) {
        Counter.builder("llm.inference.classify.forwards").description("batched classifier forwards")
                .tag("model", modelId).register(registry).increment();
        Counter.builder("llm.inference.classify.inputs").description("texts labeled by classifiers")
                .tag("model", modelId).register(registry).increment(inputs);
        promptTokens(modelId, 0, tokens);
        Timer.builder("llm.inference.classify.forward.time").description("one batched classifier forward")
                .publishPercentiles(0.5, 0.95).tag("model", modelId).register(registry).record(took);
    }

    /** @param outcome completed, cancelled, refused, failed, expired or abandoned (left to another replica) */
    public void finished(String modelId, String outcome) {
        Counter.builder("llm.inference.requests").description("requests by how they ended")
                .tags("model", modelId, "outcome", outcome).register(registry).increment();
    }
}
