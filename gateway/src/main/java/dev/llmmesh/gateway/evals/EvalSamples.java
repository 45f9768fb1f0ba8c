package dev.llmmesh.gateway.evals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.eval.EvalResult;
import jakarta.inject.Singleton;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An evaluation's files in the artifact store: {@code evals/{id}/samples.jsonl}, one {@code EvalSample} per line,
 * paged as a dataset's rows are; and {@code summary.json}, which still answers for an automatic evaluation whose
 * suite a later run has re-measured (the topic keeps only the latest per model and suite).
 */
@Singleton
public class EvalSamples {
    private final ArtifactStore artifacts;

    public EvalSamples(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    public record Page(List<JsonNode> samples, long total) {
    }

    /** Samples {@code [offset, offset + limit)} and how many there are; empty when the file is not there. */
    public Optional<Page> page(String evalId, long offset, int limit) throws IOException {
        String key = ArtifactKeys.evalSamples(evalId);
        if (!artifacts.exists(key)) {
            return Optional.empty();
        }
        List<JsonNode> page = new ArrayList<>(Math.min(limit, 1024));
        long total = 0;
        try (var reader = new BufferedReader(new InputStreamReader(artifacts.open(key), StandardCharsets.UTF_8),
                64 * 1024)) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                // Only the page is parsed; the rest is counted, so the total costs one scan and no JSON.
                if (total >= offset && total - offset < limit) {
                    page.add(Json.LENIENT.readTree(line));
                }
                total++;
            }
        }
        return Optional.of(new Page(page, total));
    }

    public Optional<EvalResult> summary(String evalId) throws IOException {
        String key = ArtifactKeys.evalSummary(evalId);
        if (!artifacts.exists(key)) {
            return Optional.empty();
        }
        try (var in = artifacts.open(key)) {
            return Optional.of(Json.LENIENT.readValue(in, EvalResult.class));
        }
    }
}
