package dev.llmmesh.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.SequencedMap;

/** What training needs of a model: its parameters and a forward pass. */
public interface LanguageModel extends AutoCloseable {
    GptConfig config();

    /** The manager that owns the parameters; closing the model closes it. */
    NDManager manager();

    /**
     * Parameters by HuggingFace GPT-2 name ({@code transformer.h.0.attn.c_attn.weight}, ...) in a stable
     * order, in HuggingFace layout (Conv1D weights are {@code [in, out]}).
     */
    SequencedMap<String, NDArray> parameters();

    /**
     * @param tokenIds [batch, time] integer ids, time at most {@code contextLength}
     * @param training enables dropout
     * @return logits [batch, time, vocabSize], float32
     */
    NDArray forward(NDArray tokenIds, boolean training);

    @Override
    void close();
}
