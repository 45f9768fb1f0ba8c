package dev.llmmesh.eval.tasks;

/** One example of a dataset, parsed: {@code index} is its row, which its sample records. */
public record Example<T>(long index, T value) {
}
