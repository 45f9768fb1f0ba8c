package dev.llmmesh.inference.engine;

import dev.llmmesh.mesh.ModelKind;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;
import dev.llmmesh.mesh.inference.InferenceCommand;

/** The errors a replica answers a request with, in OpenAI's codes, and the chunk that carries one. */
public final class CompletionErrors {
    private CompletionErrors() {
    }

    public static InferenceError modelNotFound(String modelId) {
        return new InferenceError(404, "model_not_found", "model", "The model '" + modelId
                + "' does not exist or is not served by this deployment");
    }

    public static InferenceError modelUnavailable(String modelId, String reason) {
        return new InferenceError(503, "model_unavailable", "model", "The model '" + modelId
                + "' is not available: " + reason);
    }

    /** Not loaded yet: the gateway answers 503 with a Retry-After, and the client sends the request again. */
    public static InferenceError modelLoading(String modelId, int retryAfterSeconds, String why) {
        return new InferenceError(503, InferenceError.MODEL_LOADING, "model", "The model '" + modelId
                + "' is not loaded yet (" + why + "); retry in " + retryAfterSeconds + " s", retryAfterSeconds);
    }

    /** More than the whole memory budget: no retry helps, only a larger budget (or a smaller model). */
    public static InferenceError modelTooLarge(String modelId, long bytes, long budget, String budgetProperty) {
        return new InferenceError(503, "model_too_large", "model", "The model '" + modelId + "' needs about "
                + (bytes >> 20) + " MiB (weights and KV cache), more than this replica's whole " + budgetProperty
                + " of " + (budget >> 20) + " MiB; raise " + budgetProperty + " (or lower llm.inference.max-sequences)"
                + " on the replicas that should serve it");
    }

    /** The prompt fits but not the completion asked for: {@code max_tokens} is at fault. */
    public static InferenceError contextLengthExceeded(int promptTokens, int maxTokens, int capacity) {
        return new InferenceError(400, InferenceError.CONTEXT_LENGTH_EXCEEDED, "max_tokens", "This model holds at most " + capacity
                + " tokens, but the request needs " + (promptTokens + maxTokens) + ": " + promptTokens
                + " in the prompt and max_tokens " + maxTokens + " for the completion. Lower max_tokens to at most "
                + (capacity - promptTokens) + ", or leave it out to generate up to the end of the context.");
    }

    /** The prompt alone does not fit: whatever max_tokens says, {@code prompt} is at fault. */
    public static InferenceError promptTooLong(int promptTokens, int capacity) {
        return new InferenceError(400, InferenceError.CONTEXT_LENGTH_EXCEEDED, "prompt", "The prompt is " + promptTokens
                + " tokens, but this model holds at most " + capacity + " (its context). Shorten the prompt, or use a"
                + " model with a longer context.");
    }

    /** A classify request for a model with no classification head. */
    public static InferenceError notAClassifier(String modelId, ModelKind kind) {
        return invalid("model", "The model '" + modelId + "' is of kind " + kind.wireName() + ", not "
                + ModelKind.CLASSIFIER.wireName() + ": it has no classification head");
    }

    /** A completion for a classifier: its head replaced the one that predicts tokens. */
    public static InferenceError classifierCannotComplete(String modelId) {
        return invalid("model", "The model '" + modelId + "' is a classifier: it labels text and generates none;"
                + " send its texts to /v1/classify");
    }

    public static InferenceError invalid(String param, String message) {
        return new InferenceError(400, "invalid_request_error", param, message);
    }

    /** Something broke on the replica's side for this request alone. */
    public static InferenceError internal(String message) {
        return new InferenceError(500, "internal_error", null, message);
    }

    public static CompletionChunk chunk(String requestId, String replica, InferenceError error) {
        return new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION, requestId, 0, 0, 0, 0,
                replica, null, null, null, null, null, error);
    }
}
