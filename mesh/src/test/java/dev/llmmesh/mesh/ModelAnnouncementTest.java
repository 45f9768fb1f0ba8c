package dev.llmmesh.mesh;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelAnnouncementTest {
    /** What trainer-service wrote before schema 2; compaction keeps such records on llm.models forever. */
    static final String SCHEMA_1 = """
            {"type":"model","schemaVersion":1,"modelId":"moby-s","config":{"vocabSize":300,"contextLength":64},
             "tokenizerId":"moby-bpe","artifact":"models/moby-s","parentModel":"moby-xs","jobId":"job-1",
             "metrics":{"loss":2.5},"createdAt":"2026-11-30T10:00:00Z"}""";

    @Test
    void aSchemaOneRecordReadsAsAFullPrecisionBaseModelWithItsParent() throws Exception {
        var model = Json.LENIENT.readValue(SCHEMA_1, ModelAnnouncement.class);
        assertEquals("moby-s", model.modelId());
        assertEquals(1, model.schemaVersion());
        assertEquals(ModelKind.BASE, model.kind());
        assertEquals("moby-xs", model.parent());
        assertFalse(model.adapter());
        assertNull(model.quantization());
        assertEquals(Map.of(), model.datasets());
        assertEquals("moby-bpe", model.tokenizerId());
        assertEquals(2.5, model.metrics().get("loss"));
        assertEquals(Instant.parse("2026-11-30T10:00:00Z"), model.createdAt());
    }

    @Test
    void aSchemaTwoRecordSurvivesTheWireWithItsNewNames() throws Exception {
        var model = ModelAnnouncement.base("moby-chat", Map.of("vocabSize", 300), "moby-bpe", "models/moby-chat",
                        "job-2", Map.of("loss", 1.5), Instant.parse("2026-12-01T10:00:00Z"))
                .withKind(ModelKind.CHAT).asAdapterOf("moby-s").withQuantization(ModelAnnouncement.INT8)
                .withDatasets(Map.of("train", "ds-train", "validation", "ds-val"));
        String json = new String(Json.bytes(model), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"kind\":\"chat\""), json);
        assertTrue(json.contains("\"parent\":\"moby-s\""), json);
        assertTrue(json.contains("\"adapter\":true"), json);
        assertTrue(json.contains("\"schemaVersion\":2"), json);
        assertFalse(json.contains("parentModel"), json);
        assertEquals(model, Json.LENIENT.readValue(json, ModelAnnouncement.class));
    }

    @Test
    void unknownKindsAndQuantizationsAreRefusedNamingTheValidOnes() {
        var kind = assertThrows(Exception.class, () -> Json.LENIENT.readValue(
                SCHEMA_1.replace("\"schemaVersion\":1", "\"kind\":\"embedding\",\"schemaVersion\":2"),
                ModelAnnouncement.class));
        assertTrue(String.valueOf(kind.getMessage()).contains("base, classifier, chat"), kind.getMessage());
        var base = ModelAnnouncement.base("m", Map.of(), "t", "models/m", "j", Map.of(), Instant.now());
        assertThrows(IllegalArgumentException.class, () -> base.withQuantization("fp4"));
        assertThrows(IllegalArgumentException.class, () -> base.withParent(null).asAdapterOf(null));
    }
}
