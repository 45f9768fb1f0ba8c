package dev.llmmesh.core.generate;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GreedyTest {
    /** A context of 8, so generation runs past the window. */
    private static final GptConfig CONFIG = new GptConfig(61, 8, 32, 2, 4, 0.0, 1e-5);

    @Test
    void cachedGreedyEqualsArgmaxOverTheCroppedWindow() {
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 13)) {
            int[] prompt = {3, 14, 15, 9, 26};
            int[] generated = Greedy.generate(model, prompt, 12);
            assertEquals(12, generated.length);
            assertArrayEquals(uncached(model, prompt, 12), generated);
            assertArrayEquals(generated, Greedy.generate(model, prompt, 12), "deterministic");
            assertEquals(0, Greedy.generate(model, prompt, 0).length);
        }
    }

    @Test
    void promptsLongerThanTheContextAreCropped() {
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 13)) {
            int[] prompt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
            assertArrayEquals(uncached(model, prompt, 3), Greedy.generate(model, prompt, 3));
            assertThrows(IllegalArgumentException.class, () -> Greedy.generate(model, new int[0], 3));
        }
    }

    /** nanoGPT's generate: crop to the last contextLength tokens, run the whole window, take the argmax. */
    private static int[] uncached(GptModel model, int[] prompt, int count) {
        int context = model.config().contextLength();
        int[] sequence = Arrays.copyOf(prompt, prompt.length + count);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (int length = prompt.length; length < sequence.length; length++) {
                int[] window = Arrays.copyOfRange(sequence, Math.max(0, length - context), length);
                NDArray logits = model.forward(m.create(window, new Shape(1, window.length)), false);
                sequence[length] = (int) logits.get(0, window.length - 1).argMax().getLong();
            }
        }
        return Arrays.copyOfRange(sequence, prompt.length, sequence.length);
    }
}
