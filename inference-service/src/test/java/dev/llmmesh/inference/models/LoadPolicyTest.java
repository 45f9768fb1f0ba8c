package dev.llmmesh.inference.models;

import dev.llmmesh.inference.InferenceSettings;
import dev.llmmesh.mesh.ModelAnnouncement;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which idle models make room, and what a model is estimated to take. */
class LoadPolicyTest {
    private static final long MIB = 1L << 20;
    private static final long NOW = 100_000_000_000L;
    private static final long LONG_AGO = NOW - 60_000_000_000L;
    private static final InferenceSettings SETTINGS = new InferenceSettings(Set.of(), "g", 2, 0, 4,
            Duration.ofMillis(50), "r");

    private static LoadPolicy policy(long budget) {
        return new LoadPolicy(budget, List.of(), true, SETTINGS);
    }

    private static LoadPolicy.Resident idle(String id, long lastUsed) {
        return new LoadPolicy.Resident(id, 100 * MIB, lastUsed, false, false);
    }

    @Test
    void theLeastRecentlyUsedIdleModelsAreUnloadedAndNoMoreThanItTakes() {
        var resident = List.of(idle("newer", LONG_AGO + 2), idle("oldest", LONG_AGO), idle("older", LONG_AGO + 1));
        assertEquals(Optional.of(List.of()), policy(400 * MIB).unloadFor(100 * MIB, resident, NOW));
        assertEquals(Optional.of(List.of("oldest")), policy(300 * MIB).unloadFor(100 * MIB, resident, NOW));
        assertEquals(Optional.of(List.of("oldest", "older")), policy(300 * MIB).unloadFor(200 * MIB, resident, NOW));
    }

    @Test
    void pinnedBusyAndJustUsedModelsAreNeverUnloaded() {
        var resident = List.of(new LoadPolicy.Resident("pinned", 100 * MIB, LONG_AGO, true, false),
                new LoadPolicy.Resident("busy", 100 * MIB, LONG_AGO, false, true),
                idle("just-used", NOW - 1), idle("idle", LONG_AGO + 5));
        assertEquals(Optional.of(List.of("idle")), policy(400 * MIB).unloadFor(100 * MIB, resident, NOW));
        assertTrue(policy(400 * MIB).unloadFor(200 * MIB, resident, NOW).isEmpty(), "no room now: come back later");
    }

    @Test
    void aModelTakesItsWeightsAndTheKvCacheOfItsSlots() {
        Map<String, Object> shape = Map.of("vocabSize", 1000, "contextLength", 128, "embedDim", 64, "layers", 2,
                "heads", 4, "dropout", 0.0, "layerNormEps", 1e-5);
        var model = ModelAnnouncement.base("m", shape, "gpt2", "models/m", "j", Map.of(), Instant.now());
        long parameters = new dev.llmmesh.core.model.GptConfig(1000, 128, 64, 2, 4, 0.0, 1e-5).parameterCount();
        long kv = 2L * 4 * 2 * 2 * 128 * 64; // keys and values, float32, layers, slots, positions, width
        assertEquals(parameters * 4 + kv, policy(0).bytes(model));
        assertEquals(parameters + kv, policy(0).bytes(model.withQuantization(ModelAnnouncement.INT8)));
        assertEquals(0, policy(0).bytes(ModelAnnouncement.base("x", Map.of(), "gpt2", "models/x", "j", Map.of(),
                Instant.now())), "a record without a shape is not budgeted");
    }
}
