package dev.llmmesh.gateway.evals;

import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.mesh.jobs.EvalJob;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalBoardTest {
    private final EvalBoard board = new EvalBoard();

    private static EvalJob.Evaluate request(String id, String modelId) {
        return new EvalJob.Evaluate(EvalJob.SCHEMA_VERSION, id, modelId, EvalTask.PERPLEXITY, null, null, null, null,
                null, null);
    }

    private static EvalResult result(String id, String modelId, String suite, int minute) {
        return new EvalResult(EvalResult.TYPE, EvalResult.SCHEMA_VERSION, id, modelId, suite, EvalTask.PERPLEXITY,
                "ds", Map.of("perplexity", 10.0 + minute), Map.of(), 10, 0, Map.of(), null,
                Instant.parse("2026-12-02T10:00:00Z").plusSeconds(60L * minute));
    }

    private void publish(EvalResult result) {
        board.apply(result.key(), result);
    }

    @Test
    void aRequestIsHeldOnlyUntilItsResultTellsTheSame() {
        board.requested(request("running", "m"));
        board.requested(request("failed", "m"));
        board.requested(request("done", "m"));
        assertEquals(3, board.requestsHeld());
        assertTrue(board.request("done").isPresent());

        publish(result("done", "m", null, 1));
        assertEquals(2, board.requestsHeld());
        assertEquals(Optional.empty(), board.request("done"));
        assertEquals("done", board.result("done").orElseThrow().evalId());

        // The result read first (the two topics are read apart, and replayed): its request is never held.
        publish(result("early", "m", null, 2));
        board.requested(request("early", "m"));
        assertEquals(2, board.requestsHeld());
        assertEquals(Optional.empty(), board.request("early"));
        assertTrue(board.request("running").isPresent() && board.request("failed").isPresent(),
                "an evaluation without a result is still told by what was asked");
    }

    @Test
    void anEvalIsFoundByItsIdUntilALaterRunOfItsSuiteReplacesIt() {
        publish(result("auto-1", "m", "default", 1));
        publish(result("asked", "m", null, 2));
        assertEquals("auto-1", board.result("auto-1").orElseThrow().evalId());

        publish(result("auto-2", "m", "default", 3));
        assertEquals(Optional.empty(), board.result("auto-1"));
        assertEquals("auto-2", board.result("auto-2").orElseThrow().evalId());
        assertEquals(List.of("auto-2", "asked"), board.ofModel("m").stream().map(EvalResult::evalId).toList());

        board.apply(EvalResult.key("m", "default", null), null);
        assertEquals(Optional.empty(), board.result("auto-2"));
        assertEquals(List.of("asked"), board.results().stream().map(EvalResult::evalId).toList());
    }

    @Test
    void aResultUnderAKeyNotItsOwnIsRefusedAndChangesNothing() {
        publish(result("auto-1", "m", "default", 1));
        EvalResult rogue = result("rogue", "m", null, 2);
        assertThrows(IllegalArgumentException.class, () -> board.apply(EvalResult.key("m", "default", null), rogue));
        assertEquals(Optional.empty(), board.result("rogue"));
        assertEquals("auto-1", board.result("auto-1").orElseThrow().evalId());
        assertEquals(List.of("auto-1"), board.ofSuite("default").stream().map(EvalResult::evalId).toList());
    }
}
