package dev.llmmesh.servicekit.telemetry;

import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Progress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class JobMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final JobMetrics metrics = new JobMetrics(registry);

    @Test
    void countsEventsByTypeAndStateAndJobsByFinalState() {
        metrics.record(JobEvent.running("a", "pretrain", progress(Map.of())));
        metrics.record(JobEvent.running("a", "pretrain", progress(Map.of())));
        metrics.record(JobEvent.succeeded("a", "pretrain", "done", Map.of()));
        metrics.record(JobEvent.failed("b", "pretrain", "no data"));
        metrics.record(JobEvent.cancelled("c", "train-tokenizer", "asked to"));

        assertEquals(2, count("llm.jobs.events", "pretrain", "RUNNING"));
        assertEquals(1, count("llm.jobs.events", "pretrain", "SUCCEEDED"));
        assertEquals(1, count("llm.jobs.finished", "pretrain", "SUCCEEDED"));
        assertEquals(1, count("llm.jobs.finished", "pretrain", "FAILED"));
        assertEquals(1, count("llm.jobs.finished", "train-tokenizer", "CANCELLED"));
        assertNull(registry.find("llm.jobs.finished").tags("state", "RUNNING").counter());
    }

    @Test
    void tokensPerSecondFollowsTheLatestProgressAndDropsToZeroWhenTheJobEnds() {
        metrics.record(JobEvent.running("a", "pretrain", progress(Map.of(JobMetrics.TOKENS_PER_SECOND, 1500.0))));
        assertEquals(1500.0, tokensPerSecond("pretrain"));
        metrics.record(JobEvent.running("a", "pretrain", progress(Map.of("loss", 6.2))));
        assertEquals(1500.0, tokensPerSecond("pretrain"), "a progress event without the figure keeps the last one");
        metrics.record(JobEvent.running("a", "pretrain", progress(Map.of(JobMetrics.TOKENS_PER_SECOND, 2250.5))));
        assertEquals(2250.5, tokensPerSecond("pretrain"));
        metrics.record(JobEvent.succeeded("a", "pretrain", "done", Map.of()));
        assertEquals(0.0, tokensPerSecond("pretrain"));
    }

    private double count(String name, String jobType, String state) {
        return registry.get(name).tags("job.type", jobType, "state", state).counter().count();
    }

    private double tokensPerSecond(String jobType) {
        return registry.get("llm.jobs.tokens.per.second").tag("job.type", jobType).gauge().value();
    }

    private static Progress progress(Map<String, Double> metrics) {
        return new Progress(1, 10, "steps", "training", 1.0, 9L, metrics);
    }
}
