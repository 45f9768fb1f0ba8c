package dev.llmmesh.core.finetune;

import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;
import dev.llmmesh.core.tokenizer.Tokenizer;

import java.util.Map;

/** A test tokenizer over {@link FinetuneTesting#SMALL}'s 53 ids: a-z are 1..26, space 27, anything else 0. */
final class LetterTokenizer implements Tokenizer {
    static final int END_OF_TEXT = 52;

    private final boolean withEndOfText;

    LetterTokenizer(boolean withEndOfText) {
        this.withEndOfText = withEndOfText;
    }

    @Override
    public String name() {
        return "letters";
    }

    @Override
    public int vocabSize() {
        return 53;
    }

    @Override
    public Map<String, Integer> specialTokens() {
        return withEndOfText ? Map.of("<|endoftext|>", END_OF_TEXT) : Map.of();
    }

    @Override
    public int[] encode(String text, SpecialTokenPolicy policy) {
        return text.chars().map(c -> c >= 'a' && c <= 'z' ? c - 'a' + 1 : c == ' ' ? 27 : 0).toArray();
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        byte[] bytes = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            bytes[i] = (byte) (ids[i] >= 1 && ids[i] <= 26 ? 'a' + ids[i] - 1 : ids[i] == 27 ? ' ' : '?');
        }
        return bytes;
    }
}
