package dev.llmmesh.launcher.cli;

import dev.llmmesh.launcher.recipe.SpamSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpamRecipeCommandTest {
    private static SpamSettings parse(String... args) {
        SpamRecipeCommand command = new SpamRecipeCommand();
        new CommandLine(command).parseArgs(args);
        return command.settings();
    }

    @Test
    void defaultsAreThreeSeedsOfAllOnTheSharedBase() {
        SpamSettings s = parse();
        assertEquals(List.of(1L, 2L, 3L), s.seeds());
        assertEquals("all", s.trainable());
        assertEquals("mean", s.pooling());
        assertNull(s.epochs());
        assertEquals(4, s.effectiveEpochs());
        assertEquals(SpamSettings.DEFAULT_MAX_LENGTH, s.maxLength());
        assertEquals("head-tail", s.truncation());
        assertEquals("recipes-base-v1-c256-l6-h4-t256-b8-s400", s.base().modelId());
        assertEquals(Duration.ofSeconds(2400), s.jobTimeout());
        assertFalse(s.keepUp());
        assertEquals(Map.of("epochs", 4, "batchSize", 8, "learningRate", 5e-4, "weightDecay", 0.1), s.hyperparameters());
    }

    @Test
    void optionsForAQuickRun() {
        SpamSettings s = parse("--seeds", "7,9", "--trainable", "last-block", "--epochs", "1", "--base-steps", "20",
                "--max-length", "128", "--pooling", "last", "--truncation", "head", "--keep-up");
        assertEquals(List.of(7L, 9L), s.seeds());
        assertEquals("last-block", s.trainable());
        assertEquals("last", s.pooling());
        assertEquals(1, s.effectiveEpochs());
        assertEquals(128, s.maxLength());
        assertEquals("head", s.truncation());
        assertEquals("recipes-base-v1-c256-l6-h4-t256-b8-s20", s.base().modelId());
        assertTrue(s.keepUp());
        assertEquals(2e-4, s.hyperparameters().get("learningRate"));
        assertEquals(5, parse("--trainable", "head").effectiveEpochs());
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        assertEquals("--trainable must be one of [head, last-block, all], got 'lora'",
                assertThrows(IllegalArgumentException.class, () -> parse("--trainable", "lora")).getMessage());
        assertEquals("--pooling must be one of [last, mean], got 'max'",
                assertThrows(IllegalArgumentException.class, () -> parse("--pooling", "max")).getMessage());
        assertEquals("--truncation must be one of [head, head-tail], got 'tail'",
                assertThrows(IllegalArgumentException.class, () -> parse("--truncation", "tail")).getMessage());
        assertEquals("--seeds must be distinct, got [1, 1]",
                assertThrows(IllegalArgumentException.class, () -> parse("--seeds", "1,1")).getMessage());
        assertEquals("--epochs must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> parse("--epochs", "0")).getMessage());
        assertEquals("--max-length must be between 1 and the base's context 256, got 300",
                assertThrows(IllegalArgumentException.class, () -> parse("--max-length", "300")).getMessage());
        assertEquals("--base-steps must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> parse("--base-steps", "0")).getMessage());
        assertThrows(CommandLine.ParameterException.class, () -> parse("--seeds", "one"));
    }
}
