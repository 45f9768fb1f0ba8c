package dev.llmmesh.core.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenWindowsTest {

    private static int[] range(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = i;
        }
        return t;
    }

    @Test
    void batchesAreInputsAndTargetsShiftedByOne() {
        TokenWindows windows = new TokenWindows(range(40), 4, 4, 0, 1);
        assertEquals(9, windows.trainWindows()); // starts 0, 4, ..., 32: the last ends at token 36
        try (NDManager manager = NDManager.newBaseManager();
             TokenWindows.Batch batch = windows.nextTrainBatch(manager, 3)) {
            assertEquals(new Shape(3, 4), batch.x().getShape());
            assertEquals(DataType.INT32, batch.x().getDataType());
            int[] x = batch.x().toIntArray();
            int[] y = batch.y().toIntArray();
            for (int b = 0; b < 3; b++) {
                assertEquals(0, x[b * 4] % 4, "windows start on the stride");
                for (int t = 0; t < 4; t++) {
                    assertEquals(x[b * 4 + t] + 1, y[b * 4 + t]);
                }
            }
        }
    }

    @Test
    void validationIsTheTailAndNeverOverlapsTraining() {
        // overlapping windows (stride 3 < 9 tokens a window): the boundary is where a leak would happen
        TokenWindows windows = new TokenWindows(range(1000), 8, 3, 0.2, 7);
        int total = (1000 - 9) / 3 + 1;
        assertEquals(Math.round(total * 0.2), windows.validationWindows());
        long lastTrainEnd = windows.trainWindowStart(windows.trainWindows() - 1) + 9;
        long firstValidation = windows.validationWindowStart(0);
        assertTrue(lastTrainEnd <= firstValidation, lastTrainEnd + " > " + firstValidation);
        assertTrue(firstValidation - lastTrainEnd < 3, "drops only the straddling windows");

        // and every token handed out for training lies before the validation region
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < windows.trainWindows(); i += 16) {
                try (var batch = windows.nextTrainBatch(manager, 16)) {
                    for (int token : batch.y().toIntArray()) {
                        assertTrue(token < firstValidation);
                    }
                }
            }
            try (var batch = windows.validationBatch(manager, 0, 4, 4)) {
                assertEquals(firstValidation, batch.x().toIntArray()[0]);
            }
        }
    }

    @Test
    void aValidationPassScoresDistinctWindowsAndSaysWhich() {
        // 100 tokens, windows of 5 every 4: 24 windows, round(2.4) = 2 held out, from window 22 (token 88)
        TokenWindows windows = new TokenWindows(range(100), 4, 4, 0.1, 1);
        assertEquals(new TokenWindows.Validation(88, 2, 4, 4), windows.validation(8));
        assertEquals(new TokenWindows.Validation(88, 1, 4, 4), windows.validation(1));
        assertEquals(8, windows.validation(8).targets());
        try (NDManager manager = NDManager.newBaseManager()) {
            // a pass of up to 3 windows a batch: one batch of the 2 there are, never wrapping back to the first
            try (var batch = windows.validationBatch(manager, 0, 3, 8)) {
                assertArrayEquals(new int[]{88, 89, 90, 91, 92, 93, 94, 95}, batch.x().toIntArray());
                assertArrayEquals(new int[]{89, 90, 91, 92, 93, 94, 95, 96}, batch.y().toIntArray());
            }
            assertThrows(IndexOutOfBoundsException.class, () -> windows.validationBatch(manager, 1, 3, 8));
        }
        TokenWindows none = new TokenWindows(range(100), 4, 4, 0, 1);
        assertEquals(0, none.validation(8).windows());
    }

    @Test
    void shuffleIsSeededPerEpochAndRestorable() {
        List<Integer> a = firsts(new TokenWindows(range(2000), 9, 10, 0, 42), 60);
        List<Integer> b = firsts(new TokenWindows(range(2000), 9, 10, 0, 42), 60);
        List<Integer> c = firsts(new TokenWindows(range(2000), 9, 10, 0, 43), 60);
        assertEquals(a, b);
        assertNotEquals(a, c);
        // 199 windows, so 60 batches of 4 cross one epoch: each epoch is a permutation, and a different one
        Set<Integer> epoch0 = new HashSet<>(a.subList(0, 199));
        assertEquals(199, epoch0.size());
        assertNotEquals(a.subList(0, 41), a.subList(199, 240));

        TokenWindows original = new TokenWindows(range(2000), 9, 10, 0, 42);
        firsts(original, 55); // into epoch 1
        DataPosition position = original.position();
        long state = original.samplerState();
        assertEquals(1, position.epoch());
        TokenWindows restored = new TokenWindows(range(2000), 9, 10, 0, 42);
        restored.restore(position, state);
        assertEquals(firsts(original, 20), firsts(restored, 20));
    }

    @Test
    void tooFewTokensSaySo() {
        var e = assertThrows(IllegalArgumentException.class, () -> new TokenWindows(range(8), 8, 8, 0, 1));
        assertEquals("dataset has 8 tokens, fewer than one sample of contextLength+1 = 9", e.getMessage());
        var split = assertThrows(IllegalArgumentException.class, () -> new TokenWindows(range(12), 8, 8, 0.1, 1));
        assertTrue(split.getMessage().contains("validationFraction"), split.getMessage());
    }

    @Test
    void shardsAreOneStream() {
        TrainConfig config = TrainConfig.builder().contextLength(3).validationFraction(0).build();
        TokenWindows windows = TokenWindows.of(List.of(new int[]{0, 1}, new int[]{2, 3, 4}, new int[]{5, 6}), config);
        assertEquals(2, windows.trainWindows());
        try (NDManager manager = NDManager.newBaseManager();
             var batch = windows.nextTrainBatch(manager, 2)) {
            Set<Integer> starts = Set.of(batch.x().toIntArray()[0], batch.x().toIntArray()[3]);
            assertEquals(Set.of(0, 3), starts);
        }
        assertArrayEquals(range(7), TokenWindows.concatenate(List.of(range(3), new int[]{3, 4, 5, 6})));
    }

    /** First token of each window handed out, 4 windows a batch. */
    private static List<Integer> firsts(TokenWindows windows, int batches) {
        List<Integer> out = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < batches; i++) {
                try (var batch = windows.nextTrainBatch(manager, 4)) {
                    int[] x = batch.x().toIntArray();
                    for (int b = 0; b < 4; b++) {
                        out.add(x[b * 9] / 10);
                    }
                }
            }
        }
        return out;
    }
}
