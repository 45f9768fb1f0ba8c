package dev.llmmesh.gateway.openai;

import io.micronaut.http.HttpStatus;

/**
 * Ends an OpenAI-compatible request with OpenAI's error shape ({@code {"error": {...}}}), which OpenAI clients
 * parse into their own exceptions; the rest of the API answers RFC 9457 problem bodies.
 */
public final class OpenAiException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;
    private final Integer retryAfterSeconds;

    public OpenAiException(HttpStatus status, String type, String param, String code, String message) {
        this(status, type, param, code, message, null);
    }

    /** @param retryAfterSeconds answered as {@code Retry-After}: when the request may succeed if sent again */
    public OpenAiException(HttpStatus status, String type, String param, String code, String message,
                           Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static OpenAiException invalid(String param, String message) {
        return new OpenAiException(HttpStatus.BAD_REQUEST, "invalid_request_error", param, null, message);
    }

    public HttpStatus status() {
        return status;
    }

    /** OpenAI's {@code code} (e.g. {@code context_length_exceeded}); null when there is none. */
    public String code() {
        return code;
    }

    /** The request field at fault, OpenAI's {@code param}; null when none is. */
    public String param() {
        return param;
    }

    /** Seconds to wait before sending the request again; null when a retry would not help. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public OpenAiError body() {
        return new OpenAiError(new OpenAiError.Detail(getMessage(), type, param, code));
    }
}
