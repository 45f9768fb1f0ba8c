package dev.llmmesh.core.tokenizer;

/** A token id outside the vocabulary was given to decode. */
public final class TokenOutOfRangeException extends IllegalArgumentException {
    private final int index;

    public TokenOutOfRangeException(int index, int id, int vocabSize) {
        super("token id %d at index %d is out of range: ids go from 0 to %d".formatted(id, index, vocabSize - 1));
        this.index = index;
    }

    /** Position of the bad id in the input. */
    public int index() {
        return index;
    }
}
