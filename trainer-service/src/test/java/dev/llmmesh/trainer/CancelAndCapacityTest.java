package dev.llmmesh.trainer;

import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobControl;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a trainer does with jobs it must not run: one cancelled while no trainer was up, one its memory cannot
 * hold. Each trainer here starts after its jobs are already on the topics, as a restarted one would.
 */
class CancelAndCapacityTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private final Path artifactsDir = PretrainJobTest.tempDir();
    private final FileArtifactStore artifacts = new FileArtifactStore(artifactsDir);

    private ApplicationContext trainer(String memoryBudget) {
        Map<String, Object> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", artifactsDir.toString());
        props.put("llm.trainer.memory-budget", memoryBudget);
        return ApplicationContext.run(props, "test");
    }

    @Test
    void aCancelSentWhileNoTrainerRunsIsHonouredWhenOneStartsAndTheJobNeverRuns() throws Exception {
        MeshInfra.get().createTopics(Topics.PARTITIONS);
        String datasetId = "queued-" + PretrainJobTest.shortId();
        Fixtures.tokenizedDataset(artifacts, datasetId, Fixtures.mobyDick(20_000), 5_000);
        String jobId = "queued-" + PretrainJobTest.shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s",
                 "hyperparameters":{"batchSize":2,"checkpointEvery":1},"maxSteps":1000000}
                """.formatted(jobId, datasetId, Fixtures.TOKENIZER));
        KafkaProbe.send(Topics.JOB_CONTROL, jobId, Json.bytes(JobControl.cancel(jobId)));

        try (ApplicationContext ignored = trainer("1GB")) {
            List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
            JobEvent last = events.getLast();
            assertEquals(JobState.CANCELLED, last.state(), last.message());
            assertEquals(List.of(JobState.CANCELLED), events.stream().map(JobEvent::state).toList(),
                    "the job never ran: " + events);
            assertFalse(last.message().contains(artifactsDir.toString()), "no server path: " + last.message());
        }
        assertFalse(Files.exists(artifacts.path(ArtifactKeys.checkpointsDir(jobId))), "no checkpoint was written");
    }

    @Test
    void aJobBeyondTheMemoryBudgetFailsWithTheNumbersAndTheTrainerTakesTheNextJob() throws Exception {
        MeshInfra.get().createTopics(Topics.PARTITIONS);
        String datasetId = "budget-" + PretrainJobTest.shortId();
        Fixtures.tokenizedDataset(artifacts, datasetId, Fixtures.mobyDick(20_000), 5_000);
        // ~13M parameters: 200 MB of weights, gradients and AdamW moments against a budget of 64 MB
        String big = "big-" + PretrainJobTest.shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, big, """
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s",
                 "shape":{"embedDim":512,"layers":4,"heads":8},"maxSteps":10}
                """.formatted(big, datasetId, Fixtures.TOKENIZER));
        // a short run with no warmup given: the default warmup follows its length
        String next = "next-" + PretrainJobTest.shortId();
        KafkaProbe.send(Topics.TRAINER_JOBS, next, """
                {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s",
                 "hyperparameters":{"batchSize":2,"evalEvery":0},"maxSteps":3}
                """.formatted(next, datasetId, Fixtures.TOKENIZER));

        try (ApplicationContext ignored = trainer("64MB")) {
            JobEvent refused = KafkaProbe.eventsUntilTerminal(big, TIMEOUT).getLast();
            assertEquals(JobState.FAILED, refused.state(), refused.message());
            assertTrue(refused.message().matches("the job needs ~\\d+ MiB .*this trainer can use 64 MiB "
                    + "\\(llm.trainer.memory-budget\\); lower hyperparameters.batchSize or hyperparameters.contextLength, "
                    + "or use a smaller model"), refused.message());
            assertFalse(Files.exists(artifacts.path(ArtifactKeys.checkpointsDir(big))));

            JobEvent done = KafkaProbe.eventsUntilTerminal(next, TIMEOUT).getLast();
            assertEquals(JobState.SUCCEEDED, done.state(), done.message());
            assertEquals(3L, ((Number) done.result().get("steps")).longValue());
        }
    }
}
