package dev.llmmesh.gateway.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.eval.Suites;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.http.HttpStatus;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the submitter refuses before it looks anything up or sends anything (so it needs none of its parts). */
class JobSubmitterTest {
    private final JobSubmitter submitter = new JobSubmitter(null, null, null);

    @Test
    void aClientCannotTakeTheIdOfAnAutomaticEvaluation() throws Exception {
        for (String type : new String[] {"evaluate", "pretrain"}) {
            ObjectNode body = (ObjectNode) Json.LENIENT.readTree("{\"type\":\"" + type + "\",\"jobId\":\""
                    + Suites.AUTOMATIC_PREFIX + "m-0123456789ab\",\"modelId\":\"m\",\"task\":\"perplexity\"}");
            ProblemException refused = assertThrows(ProblemException.class, () -> submitter.submit(body), type);
            assertEquals(HttpStatus.BAD_REQUEST, refused.status());
            assertEquals("jobId", refused.toProblem().field(), type);
            assertTrue(refused.getMessage().contains(Suites.AUTOMATIC_PREFIX), refused.getMessage());
        }
    }
}
