package dev.llmmesh.eval.results;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

import java.util.Map;

/**
 * {@code /health} says whether {@code llm.eval.results} is being read: while it is not, every evaluation waits
 * before it starts (it must know whether its figure is already published), so the replica is DOWN.
 */
@Singleton
public class EvalResultsHealth implements HealthIndicator {
    private final EvalResults results;

    public EvalResultsHealth(EvalResults results) {
        this.results = results;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        String state = results.state();
        HealthStatus status = "reading".equals(state) ? HealthStatus.UP : HealthStatus.DOWN;
        return Publishers.just(HealthResult.builder("evalResults", status)
                .details(Map.of("reader", state, "results", results.size())).build());
    }
}
