package dev.llmmesh.mesh.inference;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A record on {@code llm.inference.requests} (a completion, its cancel, or a classification), keyed by the
 * conversation id when the client gave one (so a conversation stays on the replica holding its KV cache), else by the
 * request id. A cancel uses the same key as its request, so it reaches the same replica.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = CompletionRequest.class, name = CompletionRequest.TYPE),
    @JsonSubTypes.Type(value = CancelCompletion.class, name = CancelCompletion.TYPE),
    @JsonSubTypes.Type(value = ClassifyRequest.class, name = ClassifyRequest.TYPE)})
public sealed interface InferenceCommand permits CompletionRequest, CancelCompletion, ClassifyRequest {
    /** 2: sampling settings travel as one {@code sampling} object (1 had them as fields of the request). */
    int SCHEMA_VERSION = 2;

    String requestId();

    /** The Kafka key: what decides the partition, hence the replica. */
    String routingKey();
}
