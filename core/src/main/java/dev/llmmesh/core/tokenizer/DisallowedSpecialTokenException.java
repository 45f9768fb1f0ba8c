package dev.llmmesh.core.tokenizer;

/** The input holds special token text that the caller did not allow. */
public final class DisallowedSpecialTokenException extends IllegalArgumentException {
    private final String token;
    private final int index;

    public DisallowedSpecialTokenException(String token, int index) {
        super(("text contains the special token %s at char %d; allow it to encode it as a special token, "
                + "or encode it as plain text").formatted(token, index));
        this.token = token;
        this.index = index;
    }

    public String token() {
        return token;
    }

    public int index() {
        return index;
    }
}
