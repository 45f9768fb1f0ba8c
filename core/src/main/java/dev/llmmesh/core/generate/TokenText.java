package dev.llmmesh.core.generate;

import dev.llmmesh.core.tokenizer.Tokenizer;

/** The bytes a token stands for; a token may hold part of a UTF-8 character. */
@FunctionalInterface
public interface TokenText {
    byte[] bytes(int token);

    static TokenText of(Tokenizer tokenizer) {
        return token -> tokenizer.decodeBytes(new int[] {token});
    }
}
