package dev.llmmesh.core.tokenizer;

/** One BPE merge: adjacent tokens {@code left} and {@code right} become {@code result}. */
public record Merge(int left, int right, int result) {
}
