package dev.llmmesh.core.finetune;

import ai.djl.ndarray.NDArray;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.train.TrainingMemory;
import org.junit.jupiter.api.Test;

import static dev.llmmesh.core.finetune.FinetuneTesting.classifier;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FinetuneMemoryTest {

    @Test
    void trainableParameterCountsAreWhatSelectTrains() {
        try (ClassifierModel model = classifier(1)) {
            int labels = model.labels().size();
            for (Trainable t : Trainable.values()) {
                long selected = t.select(model).values().stream().mapToLong(NDArray::size).sum();
                assertEquals(selected, t.parameterCount(model.config(), labels), t.wireName());
            }
        }
    }

    @Test
    void onlyTrainedParametersCarryOptimizerStateAndOnlyTrainedBlocksKeepActivations() {
        GptConfig gpt2 = GptConfig.named("gpt2");
        TrainingMemory head = FinetuneMemory.of(gpt2, 2, Trainable.HEAD, 8, 256);
        TrainingMemory last = FinetuneMemory.of(gpt2, 2, Trainable.LAST_BLOCK, 8, 256);
        TrainingMemory all = FinetuneMemory.of(gpt2, 2, Trainable.ALL, 8, 256);
        long weights = (gpt2.parameterCount() + 2L * 768) * 4;
        assertEquals(weights + 2L * 768 * 12, head.stateBytes(), "fp32 weights + the head's grad and moments");
        assertEquals(weights + (gpt2.blockParameterCount() + 2L * 768 + 2L * 768) * 12, last.stateBytes());
        assertEquals(4 * weights, all.stateBytes(), "weights, gradients, two moments: pretraining's four copies");
        assertEquals(head.activationBytes(), last.activationBytes(), "one block's worth either way");
        assertEquals(12 * last.activationBytes(), all.activationBytes(), "every one of gpt2's 12 blocks");
        assertTrue(FinetuneMemory.of(gpt2, 2, Trainable.ALL, 16, 256).activationBytes() > all.activationBytes());
    }
}
