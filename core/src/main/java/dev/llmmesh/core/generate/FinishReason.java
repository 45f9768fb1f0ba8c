package dev.llmmesh.core.generate;

/** Why a sequence ended, as OpenAI's {@code finish_reason} names it. */
public enum FinishReason {
    /** A stop sequence or a stop token came. */
    STOP("stop"),
    /** {@code max_tokens} were generated, or the context is full. */
    LENGTH("length"),
    /** The caller cancelled it. */
    CANCELLED("cancelled");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
