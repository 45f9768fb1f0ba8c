package dev.llmmesh.servicekit.telemetry;

import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Job figures from the events this replica reports: events by job type and state, jobs by final state,
 * and the training throughput its running jobs report (the {@code tokensPerSecond} progress metric).
 */
@Singleton
public class JobMetrics {
    /** The progress metric a job reports its throughput in (trainer-service's pretrain jobs). */
    public static final String TOKENS_PER_SECOND = "tokensPerSecond";

    private final MeterRegistry registry;
    /** Per job type; a gauge needs an object to read, and Micrometer holds it only weakly. */
    private final Map<String, AtomicReference<Double>> tokensPerSecond = new ConcurrentHashMap<>();

    public JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void record(JobEvent event) {
        String type = event.jobType() == null ? "unknown" : event.jobType();
        String state = event.state().name();
        Counter.builder("llm.jobs.events").description("job events reported, by job type and state")
                .tags("job.type", type, "state", state).register(registry).increment();
        if (event.state().terminal()) {
            Counter.builder("llm.jobs.finished").description("jobs that ended, by job type and final state")
                    .tags("job.type", type, "state", state).register(registry).increment();
            throughput(type).set(0.0);
        } else if (event.state() == JobState.RUNNING && event.progress() != null) {
            Double rate = event.progress().metrics().get(TOKENS_PER_SECOND);
            if (rate != null && Double.isFinite(rate)) {
                throughput(type).set(rate);
            }
        }
    }

    private AtomicReference<Double> throughput(String jobType) {
        return tokensPerSecond.computeIfAbsent(jobType, type -> {
            var value = new AtomicReference<>(0.0);
            Gauge.builder("llm.jobs.tokens.per.second", value, AtomicReference::get)
                    .description("tokens per second last reported by a running job of this type; 0 when none runs")
                    .tag("job.type", type).register(registry);
            return value;
        });
    }
}
