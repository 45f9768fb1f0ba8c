package dev.llmmesh.core.tokenizer;

/** Receives progress of long tokenizer work (training, dataset encoding). */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total, stage) -> { };

    /**
     * @param done  units finished so far
     * @param total units in all (may grow for streamed input)
     * @param stage a short human label such as "counting words" or "merging"
     */
    void onProgress(long done, long total, String stage);
}
