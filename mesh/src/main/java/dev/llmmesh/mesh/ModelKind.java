package dev.llmmesh.mesh;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a published model does: continue text, label it, or answer chat turns. Written in lower case on the wire. */
public enum ModelKind {
    BASE, CLASSIFIER, CHAT;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind a wire name means; the message of a refusal names every valid one. */
    @JsonCreator
    public static ModelKind of(String wireName) {
        for (ModelKind kind : values()) {
            if (kind.wireName().equals(wireName)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("kind must be one of " + names() + ", got '" + wireName + "'");
    }

    /** {@code base, classifier, chat}: for error messages. */
    public static String names() {
        return Arrays.stream(values()).map(ModelKind::wireName).collect(Collectors.joining(", "));
    }
}
