package dev.llmmesh.launcher.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.launcher.stack.StackException;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Progress;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The demo's last figure: the new model's held-out perplexity as eval-service measured it on its own (every published
 * model gets its {@code default} suite), fetched from the gateway like everything else. eval-service may still be
 * measuring when the generations are done, so this waits for it, with a bound and its progress on screen.
 */
final class HeldOutPerplexity {
    static final String SERVICE = "eval-service";
    static final String SUITE = "default";
    /** eval-service scores the tiny model's validation windows in seconds; this leaves room for a busy machine. */
    static final Duration WAIT = Duration.ofMinutes(5);
    private static final Duration POLL = Duration.ofSeconds(1);

    /** The default suite's perplexity of a model, as {@code GET /v1/models/{id}/evals} lists it. */
    record Figure(String evalId, double perplexity, Double loss, Long tokens, double low, double high,
                  double level, long examples) {
    }

    private HeldOutPerplexity() {
    }

    /**
     * Waits up to {@code wait} for the figure and says it, or says why it did not come.
     *
     * @param serviceUp whether eval-service answers its health check; when it does not, there is nothing to wait for
     */
    static List<String> lines(GatewayClient gateway, String modelId, Duration wait, BooleanSupplier serviceUp,
                              PrintStream out) {
        String url = gateway.base() + "v1/models/" + modelId + "/evals";
        Optional<Figure> figure = figure(gateway.modelEvals(modelId));
        if (figure.isEmpty() && !serviceUp.getAsBoolean()) {
            return List.of("Evaluation (GET " + url + ")", "  no held-out perplexity: " + SERVICE + " is not "
                    + "running, so nobody measured the model (`bin/llm-mesh status` lists the services; once it runs, "
                    + "it measures every published model and the URL above shows the figure)");
        }
        if (figure.isEmpty()) {
            out.printf("%nWaiting for %s to measure %s on its held-out windows (GET %s, up to %d s)%n", SERVICE,
                    modelId, url, wait.toSeconds());
        }
        long deadline = System.nanoTime() + wait.toNanos();
        try (JobProgressBar bar = new JobProgressBar("evaluate " + modelId)) {
            while (figure.isEmpty()) {
                Optional<JsonNode> pending = pending(gateway.evals(modelId, SUITE));
                if (pending.isPresent() && pending.get().path("state").asText().equals("FAILED")) {
                    return List.of("Evaluation (GET " + url + ")", "  no held-out perplexity: " + SERVICE
                            + "'s evaluation " + pending.get().path("id").asText() + " failed: "
                            + pending.get().path("message").asText("(no reason given)"));
                }
                pending.map(p -> p.get("progress")).filter(p -> p != null && p.isObject())
                        .map(HeldOutPerplexity::progress).ifPresent(bar::update);
                if (System.nanoTime() > deadline) {
                    return List.of("Evaluation (GET " + url + ")", "  no held-out perplexity after "
                            + wait.toSeconds() + " s: " + (pending.isPresent() ? SERVICE + " is still measuring (the "
                            + "URL above shows the figure when it is done)" : SERVICE + " never started measuring the "
                            + "model; its log may say why"));
                }
                sleep();
                figure = figure(gateway.modelEvals(modelId));
            }
            bar.succeeded();
        }
        return List.of("Evaluation (GET " + url + ")", "  " + line(figure.get()));
    }

    /**
     * "held-out perplexity 512.3 (loss 6.24 over 12,288 tokens, 95% CI 498-527), measured by eval-service": the
     * interval at a precision that shows its width, no finer.
     */
    static String line(Figure f) {
        StringBuilder what = new StringBuilder();
        if (f.loss() != null) {
            what.append(String.format(Locale.ROOT, "loss %.2f over ", f.loss()));
        }
        what.append(f.tokens() != null ? String.format(Locale.ROOT, "%,d tokens", f.tokens())
                : String.format(Locale.ROOT, "%,d windows", f.examples()));
        if (!Double.isNaN(f.low())) {
            what.append(String.format(Locale.ROOT, ", %.0f%% CI %s-%s", f.level() * 100, rounded(f.low(), f.high()),
                    rounded(f.high(), f.high())));
        }
        return String.format(Locale.ROOT, "held-out perplexity %." + (f.perplexity() >= 10 ? 1 : 2) + "f (%s), "
                + "measured by %s", f.perplexity(), what, SERVICE);
    }

    /** {@code value} with no decimals when {@code scale} is 100 or more, one from 10, two below. */
    private static String rounded(double value, double scale) {
        int decimals = scale >= 100 ? 0 : scale >= 10 ? 1 : 2;
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** The default suite's perplexity in a {@code GET /v1/models/{id}/evals} answer, if it is there yet. */
    static Optional<Figure> figure(JsonNode modelEvals) {
        for (JsonNode e : modelEvals.path("data")) {
            JsonNode metrics = e.path("metrics");
            if (SUITE.equals(e.path("suite").asText(null)) && metrics.path("perplexity").isNumber()) {
                JsonNode ci = e.path("intervals").path("perplexity");
                return Optional.of(new Figure(e.path("evalId").asText(), metrics.get("perplexity").doubleValue(),
                        metrics.path("loss").isNumber() ? metrics.get("loss").doubleValue() : null,
                        metrics.path("tokens").isNumber() ? metrics.get("tokens").longValue() : null,
                        ci.path("low").asDouble(Double.NaN), ci.path("high").asDouble(Double.NaN),
                        ci.path("level").asDouble(0.95), e.path("examples").asLong()));
            }
        }
        return Optional.empty();
    }

    /** The suite's evaluation of the model that has not published its figure, from a {@code GET /v1/evals} list. */
    static Optional<JsonNode> pending(JsonNode evals) {
        for (JsonNode e : evals.path("data")) {
            if (!e.path("state").asText().equals("SUCCEEDED")) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    private static Progress progress(JsonNode node) {
        try {
            return Json.LENIENT.treeToValue(node, Progress.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            // A progress report of another shape only costs the bar.
            return null;
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for the evaluation", e);
        }
    }
}
