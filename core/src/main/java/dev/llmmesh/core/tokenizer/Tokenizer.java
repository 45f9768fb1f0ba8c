package dev.llmmesh.core.tokenizer;

import java.util.Map;

/** Text to token ids and back. Implementations are immutable and safe to share between threads. */
public interface Tokenizer {
    String name();

    int vocabSize();

    /** Special token text to id. */
    Map<String, Integer> specialTokens();

    /** Encodes with tiktoken's defaults: any special token text in {@code text} is an error. */
    default int[] encode(String text) {
        return encode(text, SpecialTokenPolicy.DISALLOW_ALL);
    }

    /**
     * @throws DisallowedSpecialTokenException if the text holds special token text the policy disallows
     */
    int[] encode(String text, SpecialTokenPolicy policy);

    /** Encodes special token text as plain text. */
    default int[] encodeOrdinary(String text) {
        return encode(text, SpecialTokenPolicy.PLAIN_TEXT);
    }

    /** The raw bytes of the tokens; a token may hold part of a UTF-8 character. */
    byte[] decodeBytes(int[] ids);

    /** The text of the tokens; invalid UTF-8 becomes U+FFFD, as tiktoken's {@code decode} does. */
    default String decode(int[] ids) {
        return new String(decodeBytes(ids), java.nio.charset.StandardCharsets.UTF_8);
    }
}
