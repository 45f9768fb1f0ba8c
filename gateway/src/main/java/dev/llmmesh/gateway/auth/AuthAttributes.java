package dev.llmmesh.gateway.auth;

import io.micronaut.http.HttpRequest;

import java.util.Optional;

/** What {@link AuthFilter} leaves on a request for controllers: the name of the key that made it. */
public final class AuthAttributes {
    /** Request attribute holding the authenticated key's configured name (a String). */
    public static final String KEY_NAME = "llm.auth.key-name";

    private AuthAttributes() {
    }

    /** The key's name, for logs and OpenAI's {@code user}; empty when auth is off or the path is public. */
    public static Optional<String> keyName(HttpRequest<?> request) {
        return request.getAttribute(KEY_NAME, String.class);
    }
}
