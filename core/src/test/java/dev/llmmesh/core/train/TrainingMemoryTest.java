package dev.llmmesh.core.train;

import ai.djl.Device;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingMemoryTest {
    private static final double GIB = 1L << 30;

    @Test
    void theParametersAreTheModelsRealOnesAndTheStateIsFourFp32CopiesOfThem() {
        GptConfig config = GptConfig.named("tiny").withVocabSize(512);
        TrainingMemory memory = TrainingMemory.of(config, TrainConfig.builder().contextLength(64).build());
        try (GptModel model = GptModel.initialize(config, Device.cpu(), 1)) {
            assertEquals(model.parameterCount(), memory.parameters());
        }
        assertEquals(memory.parameters() * 16, memory.stateBytes());
        assertEquals(124_439_808L, TrainingMemory.of(GptConfig.named("gpt2"), TrainConfig.defaults()).parameters());
    }

    @Test
    void gpt2XlNeedsMoreThanTheTrainerThatTheKernelKilledAt22GbHad() {
        // issue 10: gpt2-xl at batch 8, context 1024 took a trainer past 22.6 GB resident before its first step
        TrainConfig run = TrainConfig.builder().batchSize(8).contextLength(1024).build();
        TrainingMemory xl = TrainingMemory.of(GptConfig.named("gpt2-xl"), run);
        assertTrue(xl.stateBytes() / GIB > 22 && xl.stateBytes() / GIB < 26, TrainingMemory.readable(xl.stateBytes()));
        assertTrue(xl.totalBytes() > 22.6e9, TrainingMemory.readable(xl.totalBytes()));
        // gpt2 (124M) at nanoGPT's fp32 batch: a few GB of state, tens of GB of activations, not hundreds
        TrainingMemory small = TrainingMemory.of(GptConfig.named("gpt2"), run);
        assertTrue(small.stateBytes() / GIB > 1.5 && small.stateBytes() / GIB < 2.5, TrainingMemory.readable(small.stateBytes()));
        assertTrue(small.activationBytes() / GIB > 5 && small.activationBytes() / GIB < 100,
                TrainingMemory.readable(small.activationBytes()));
        // the test suite's tiny jobs fit in a few MB
        TrainingMemory tiny = TrainingMemory.of(GptConfig.named("tiny").withVocabSize(512),
                TrainConfig.builder().batchSize(8).contextLength(64).build());
        assertTrue(tiny.totalBytes() < 64L << 20, TrainingMemory.readable(tiny.totalBytes()));
    }

    @Test
    void anAbsurdJobSaturatesInsteadOfOverflowing() {
        GptConfig wide = new GptConfig(50257, 32768, 16384, 256, 128, 0.0, 1e-5);
        TrainingMemory memory = TrainingMemory.of(wide, TrainConfig.builder().batchSize(1_000_000_000)
                .contextLength(32768).build());
        assertTrue(memory.totalBytes() > 0);
        assertTrue(memory.totalBytes() > 1L << 50);
    }
}
