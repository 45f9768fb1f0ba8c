package dev.llmmesh.gateway.auth;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScopePolicyTest {
    private final ScopePolicy policy = new ScopePolicy();

    @Test
    void healthMetricsAndTheApiDocumentArePublic() {
        for (String path : new String[]{"/", "/health", "/health/", "/health/liveness", "/health/readiness", "/prometheus",
                "/openapi.yml", "/swagger/llm-mesh-0.1.yml", "/swagger-ui/index.html"}) {
            assertTrue(policy.requirement("GET", path).open(), path);
        }
        assertTrue(policy.requirement("HEAD", "/health").open());
    }

    @Test
    void publicIsOnlyForReadingAndOnlyForPlainPaths() {
        assertFalse(policy.requirement("POST", "/health").open());
        assertFalse(policy.requirement("GET", "/health/../v1/jobs").open());
        assertFalse(policy.requirement("GET", "/swagger/%2e%2e/v1/jobs").open());
        assertFalse(policy.requirement("GET", "/healthz").open());
        assertFalse(policy.requirement("GET", "/prometheus/x").open());
    }

    @Test
    void inferenceEndpointsNeedInference() {
        for (String path : new String[]{"/v1/completions", "/v1/chat/completions", "/v1/classify", "/v1/tokenize",
                "/v1/detokenize", "/v1/chat/completions/", "//v1//tokenize"}) {
            assertEquals(Set.of(Scope.INFERENCE), needs("POST", path), path);
        }
    }

    @Test
    void aModelsOwnBaseUrlNeedsInferenceForTheHarnessRoutesOnly() {
        assertEquals(Set.of(Scope.INFERENCE), needs("POST", "/m/moby-gpt/v1/completions"));
        assertEquals(Set.of(Scope.INFERENCE), needs("POST", "/m/moby-gpt/tokenize"));
        assertEquals(Set.of(Scope.INFERENCE), needs("POST", "//m/moby-gpt/detokenize/"));
        assertEquals(Set.of(Scope.INFERENCE), needs("GET", "/m/moby-gpt/tokenizer_info"));
        // Another method, another route, or a model segment that is not a plain name: closed by default.
        assertEquals(Set.of(Scope.ADMIN), needs("GET", "/m/moby-gpt/tokenize"));
        assertEquals(Set.of(Scope.ADMIN), needs("POST", "/m/moby-gpt/tokenizer_info"));
        assertEquals(Set.of(Scope.ADMIN), needs("POST", "/m/moby-gpt/v1/chat/completions"));
        assertEquals(Set.of(Scope.ADMIN), needs("POST", "/m/../v1/jobs"));
        assertEquals(Set.of(Scope.ADMIN), needs("POST", "/m/%2e%2e/tokenize"));
        assertEquals(Set.of(Scope.ADMIN), needs("POST", "/m/tokenize"));
    }

    @Test
    void readingNeedsReadAndChangingNeedsWrite() {
        assertEquals(Set.of(Scope.READ), needs("GET", "/v1/jobs"));
        assertEquals(Set.of(Scope.READ), needs("GET", "/v1/jobs/j-1"));
        assertEquals(Set.of(Scope.READ), needs("HEAD", "/v1/datasets/moby"));
        assertEquals(Set.of(Scope.READ), needs("get", "/v1/tokenizers"));
        assertEquals(Set.of(Scope.WRITE), needs("POST", "/v1/jobs"));
        assertEquals(Set.of(Scope.WRITE), needs("POST", "/v1/jobs/j-1/cancel"));
        assertEquals(Set.of(Scope.WRITE), needs("PUT", "/v1/datasets/moby"));
        assertEquals(Set.of(Scope.WRITE), needs("POST", "/v1/tokenizers"));
        assertEquals(Set.of(Scope.WRITE), needs("DELETE", "/v1/jobs/j-1"));
    }

    @Test
    void evaluationsAreReadAsJobsAreAndAskedForWithTheJobsScope() {
        assertEquals(Set.of(Scope.READ), needs("GET", "/v1/evals"));
        assertEquals(Set.of(Scope.READ), needs("GET", "/v1/evals/job-1/samples"));
        assertEquals(Set.of(Scope.READ), needs("GET", "/v1/leaderboard"));
        assertEquals(needs("POST", "/v1/jobs"), needs("POST", "/v1/evals"));
    }

    @Test
    void aModelsEvaluationsNeedReadAsEveryOtherFigureDoes() {
        // Under /v1/models, but figures: an inference-only key reads none of them, whichever route.
        for (String path : new String[]{"/v1/models/moby-gpt/evals", "/v1/models/moby-gpt/evals/",
                "//v1/models/moby-gpt//evals", "/v1/models/moby-gpt/evals/e-1"}) {
            assertEquals(Set.of(Scope.READ), needs("GET", path), path);
            assertEquals(Set.of(Scope.READ), needs("HEAD", path), path);
        }
        ApiKey client = new ApiKey("c", new byte[32], Set.of(Scope.INFERENCE));
        assertFalse(client.holdsAnyOf(needs("GET", "/v1/models/moby-gpt/evals")));
        assertTrue(client.holdsAnyOf(needs("GET", "/v1/models/moby-gpt")));
        // A model named like the route is still a model; a dot segment may resolve elsewhere, so it needs read.
        assertEquals(Set.of(Scope.READ, Scope.INFERENCE), needs("GET", "/v1/models/evals"));
        assertEquals(Set.of(Scope.READ, Scope.INFERENCE), needs("GET", "/v1/models/moby-gpt/evaluations"));
        assertEquals(Set.of(Scope.READ), needs("GET", "/v1/models/../jobs"));
    }

    @Test
    void listingModelsIsForReadersAndInferenceClients() {
        assertEquals(Set.of(Scope.READ, Scope.INFERENCE), needs("GET", "/v1/models"));
        assertEquals(Set.of(Scope.READ, Scope.INFERENCE), needs("GET", "/v1/models/moby-gpt"));
        assertEquals(Set.of(Scope.WRITE), needs("POST", "/v1/models"));
    }

    @Test
    void anythingElseIsAdminOnly() {
        assertEquals(Set.of(Scope.ADMIN), needs("GET", "/loggers"));
        assertEquals(Set.of(Scope.ADMIN), needs("POST", "/health"));
        assertEquals(Set.of(Scope.ADMIN), needs("GET", "/v2/jobs"));
        assertEquals(Set.of(Scope.ADMIN), needs("GET", "/v1x"));
    }

    @Test
    void adminPassesEveryRuleAndOtherKeysOnlyTheirOwn() {
        ApiKey admin = new ApiKey("ops", new byte[32], Set.of(Scope.ADMIN));
        ApiKey reader = new ApiKey("r", new byte[32], Set.of(Scope.READ));
        ApiKey client = new ApiKey("c", new byte[32], Set.of(Scope.INFERENCE));
        for (Set<Scope> need : Set.of(needs("GET", "/loggers"), needs("POST", "/v1/jobs"), needs("POST", "/v1/completions"))) {
            assertTrue(admin.holdsAnyOf(need), need.toString());
        }
        assertTrue(reader.holdsAnyOf(needs("GET", "/v1/jobs")));
        assertFalse(reader.holdsAnyOf(needs("POST", "/v1/jobs")));
        assertFalse(reader.holdsAnyOf(needs("POST", "/v1/completions")));
        assertTrue(client.holdsAnyOf(needs("GET", "/v1/models")));
        assertFalse(client.holdsAnyOf(needs("GET", "/v1/jobs")));
    }

    private Set<Scope> needs(String method, String path) {
        ScopePolicy.Requirement requirement = policy.requirement(method, path);
        assertFalse(requirement.open(), method + " " + path);
        return requirement.anyOf();
    }
}
