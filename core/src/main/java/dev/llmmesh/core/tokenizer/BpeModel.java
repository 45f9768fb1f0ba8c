package dev.llmmesh.core.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that defines a byte-level BPE tokenizer, independent of file format.
 *
 * @param tokens        the bytes of every token, indexed by id (special tokens hold their UTF-8 text)
 * @param merges        merges in priority order: when several apply, the earliest wins
 * @param specialTokens special token text to id, e.g. {@code <|endoftext|>} -> 50256
 */
public record BpeModel(List<byte[]> tokens, List<Merge> merges, Map<String, Integer> specialTokens) {
    public BpeModel {
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        specialTokens = Map.copyOf(specialTokens);
        for (Merge m : merges) {
            Objects.checkIndex(m.left(), tokens.size());
            Objects.checkIndex(m.right(), tokens.size());
            Objects.checkIndex(m.result(), tokens.size());
        }
        for (int id : specialTokens.values()) {
            Objects.checkIndex(id, tokens.size());
        }
    }

    public int vocabSize() {
        return tokens.size();
    }

    /** The same tokenizer: equal tokens byte for byte (the record's equals compares arrays by identity). */
    public boolean sameAs(BpeModel other) {
        if (tokens.size() != other.tokens.size() || !merges.equals(other.merges)
                || !specialTokens.equals(other.specialTokens)) {
            return false;
        }
        for (int id = 0; id < tokens.size(); id++) {
            if (!Arrays.equals(tokens.get(id), other.tokens.get(id))) {
                return false;
            }
        }
        return true;
    }
}
