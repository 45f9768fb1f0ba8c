package dev.llmmesh.mesh.inference;

/** The client went away: stop generating {@code requestId}. Same key as the request, so it reaches its replica. */
public record CancelCompletion(int schemaVersion, String requestId, String routingKey) implements InferenceCommand {
    public static final String TYPE = "cancel-completion";
}
