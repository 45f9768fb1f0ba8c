package dev.llmmesh.mesh;

import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MeshRecordsTest {
    @Test
    void tokenShardsArePackedLittleEndian() {
        int[] ids = {0, 1, 50256, -1, Integer.MAX_VALUE};
        byte[] packed = TokenShards.pack(ids);
        assertEquals(20, packed.length);
        assertArrayEquals(new byte[]{0x50, (byte) 0xC4, 0, 0}, java.util.Arrays.copyOfRange(packed, 8, 12));
        assertArrayEquals(ids, TokenShards.unpack(packed));
        assertThrows(IllegalArgumentException.class, () -> TokenShards.unpack(new byte[3]));
    }

    @Test
    void jobEventsCarryTypeAndSchemaVersionAndSurviveTheWire() throws Exception {
        var event = JobEvent.running("job-1", "tokenize-dataset",
                new Progress(3, 8, "shards", "tokenizing", 1.5, 4L, Map.of("tokens", 1000.0)));
        String json = new String(Json.bytes(event), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.contains("\"type\":\"job-event\""), json);
        assertTrue(json.contains("\"schemaVersion\":1"), json);
        var back = Json.LENIENT.readValue(json, JobEvent.class);
        assertEquals(event, back);
        assertEquals(0.375, back.progress().fraction());
        assertTrue(JobState.FAILED.terminal());
        assertFalse(JobState.RUNNING.terminal());
    }

    @Test
    void progressDetailsSurviveTheWireAndAreLeftOutWhenThereAreNone() throws Exception {
        var details = Map.<String, Object>of("worst", java.util.List.of(Map.of("text", "win a prize", "gold", "ham",
                "probabilities", Map.of("ham", 0.1, "spam", 0.9))));
        var event = JobEvent.running("job-1", "finetune-classifier",
                new Progress(2, 5, "epochs", "epoch 2 of 5", 0.1, 30L, Map.of("validationLoss", 0.4), details));
        assertEquals(event, Json.LENIENT.readValue(Json.bytes(event), JobEvent.class));
        String plain = new String(Json.bytes(new Progress(1, 2, "x", "s", 0, null, Map.of())),
                java.nio.charset.StandardCharsets.UTF_8);
        assertFalse(plain.contains("details"), plain);
    }

    @Test
    void strictJsonRejectsUnknownFieldsAndLenientIgnoresThem() throws Exception {
        String json = "{\"done\":1,\"total\":2,\"unit\":\"x\",\"stage\":\"s\",\"perSecond\":0,\"surprise\":true}";
        assertThrows(UnrecognizedPropertyException.class, () -> Json.STRICT.readValue(json, Progress.class));
        assertEquals(2, Json.LENIENT.readValue(json, Progress.class).total());
    }

    @Test
    void idsAreSafeForPathsAndKeys() {
        assertTrue(Ids.valid("moby-dick_v1.2"));
        assertFalse(Ids.valid("../x"));
        assertFalse(Ids.valid("a/b"));
        assertFalse(Ids.valid("a:b"));
        assertFalse(Ids.valid(""));
        var e = assertThrows(IllegalArgumentException.class, () -> Ids.require("datasetId", "a b"));
        assertTrue(e.getMessage().startsWith("datasetId must be"), e.getMessage());
        assertEquals("llm:tok:gpt2:moby:3", RedisKeys.tokenShard("gpt2", "moby", 3));
        assertEquals("datasets/moby/tokens/gpt2/job-1/shard-00003.bin", ArtifactKeys.tokenShard("moby", "gpt2", "job-1", 3));
    }
}
