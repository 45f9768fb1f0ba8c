package dev.llmmesh.gateway.evals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.datasets.ArtifactLines;
import dev.llmmesh.mesh.eval.EvalResult;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.util.Optional;

/**
 * An evaluation's files in the artifact store: {@code evals/{id}/samples.jsonl}, one {@code EvalSample} per line,
 * paged as a dataset's rows are ({@link ArtifactLines}); and {@code summary.json}, which still answers for an
 * automatic evaluation whose suite a later run has re-measured (the topic keeps only the latest per model and suite).
 */
@Singleton
public class EvalSamples {
    private final ArtifactStore artifacts;

    public EvalSamples(ArtifactStore artifacts) {
        this.artifacts = artifacts;
    }

    /** Samples {@code [offset, offset + limit)} and how many there are; empty when the file is not there. */
    public Optional<ArtifactLines.Page<JsonNode>> page(String evalId, long offset, int limit) throws IOException {
        String key = ArtifactKeys.evalSamples(evalId);
        if (!artifacts.exists(key)) {
            return Optional.empty();
        }
        return Optional.of(ArtifactLines.jsonl(artifacts, key).page(offset, limit, Json.LENIENT::readTree));
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
