package dev.llmmesh.gateway.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What an API key may do. {@link #ADMIN} implies every other scope, so an operator key needs
 * no list.
 */
public enum Scope {
    /** GET and HEAD under {@code /v1}: jobs, datasets, models, tokenizers. */
    READ,
    /** Changing state under {@code /v1}: submitting and cancelling jobs, uploading datasets and tokenizers. */
    WRITE,
    /** Generating and tokenizing text: the OpenAI-style endpoints and the tokenize proxy. */
    INFERENCE,
    /** Everything, including endpoints outside {@code /v1} that are not public. */
    ADMIN;

    /** The name as written in {@code LLM_API_KEYS}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Scope> fromConfigName(String name) {
        return Arrays.stream(values()).filter(s -> s.configName().equals(name)).findFirst();
    }

    static String allConfigNames() {
        return Arrays.stream(values()).map(Scope::configName).collect(Collectors.joining(", "));
    }
}
