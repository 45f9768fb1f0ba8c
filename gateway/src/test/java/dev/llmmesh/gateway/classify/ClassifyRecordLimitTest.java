package dev.llmmesh.gateway.classify;

import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.core.value.MapPropertyResolver;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The largest classify request is the one the inference producer can send: its max.request.size. */
class ClassifyRecordLimitTest {
    @Test
    void theLimitIsTheInferenceProducersThenEveryProducersThenKafkasDefault() {
        assertEquals(1024 * 1024, ClassifyController.maxRecordBytes(new MapPropertyResolver(Map.of())));
        assertEquals(2_000_000, ClassifyController.maxRecordBytes(new MapPropertyResolver(Map.of(
                "kafka.producers.default.max.request.size", "2000000"))));
        assertEquals(3_000_000, ClassifyController.maxRecordBytes(new MapPropertyResolver(Map.of(
                "kafka.producers.default.max.request.size", "2000000",
                "kafka.producers.inference-requests.max.request.size", 3_000_000))));
    }

    @Test
    void aRequestOverTheLimitIs413NamingInput() {
        List<String> texts = Collections.nCopies(10, "x".repeat(1000));
        var request = new ClassifyRequest(InferenceCommand.SCHEMA_VERSION, "clf-1", "m", texts, Instant.now());
        ClassifyController.checkFitsOneRecord(request, 20_000);
        ProblemException e = assertThrows(ProblemException.class,
                () -> ClassifyController.checkFitsOneRecord(request, 15_000));
        assertEquals(413, e.status().getCode());
        assertEquals("input", e.toProblem().field());
        assertTrue(e.getMessage().contains("about 6 texts of this size fit"), e.getMessage());
    }
}
