package dev.llmmesh.trainer;

import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replica that stops mid-job leaves the job's message uncommitted; the replica that gets the partition
 * next resumes from the last checkpoint instead of starting over.
 */
class ResumeAfterStopTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @Test
    void aJobWhoseReplicaStopsIsResumedByTheNextFromItsCheckpoint() throws Exception {
        Map<String, Object> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", PretrainJobTest.tempDir().toString());
        String jobId = "resume-" + PretrainJobTest.shortId();
        String datasetId = "resume-" + PretrainJobTest.shortId();

        try (ApplicationContext first = ApplicationContext.run(props, "test")) {
            Fixtures.tokenizedDataset(first.getBean(FileArtifactStore.class), datasetId, Fixtures.mobyDick(40_000), 5_000);
            KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                    {"type":"pretrain","jobId":"%s","datasetId":"%s","tokenizerId":"%s",
                     "hyperparameters":{"batchSize":4,"warmupSteps":5,"checkpointEvery":10,"evalEvery":0},"maxSteps":60}
                    """.formatted(jobId, datasetId, Fixtures.TOKENIZER));
            KafkaProbe.readUntil(Topics.JOB_EVENTS, TIMEOUT, seen -> KafkaProbe.events(seen, jobId).stream()
                    .anyMatch(e -> e.progress() != null && "checkpoint".equals(e.progress().stage())
                            && e.progress().done() >= 20));
        }

        try (ApplicationContext second = ApplicationContext.run(props, "test")) {
            List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
            assertEquals(JobState.SUCCEEDED, events.getLast().state(), events.getLast().message());
            List<String> stages = events.stream().filter(e -> e.progress() != null).map(e -> e.progress().stage()).toList();
            assertEquals(1, stages.stream().filter("starting"::equals).count(), "started once: " + stages);
            long resumedAt = events.stream().filter(e -> e.progress() != null
                    && e.progress().stage().startsWith("resumed from checkpoint")).mapToLong(e -> e.progress().done())
                    .findFirst().orElseThrow(() -> new AssertionError("never resumed: " + stages));
            assertTrue(resumedAt >= 20, "resumed at step " + resumedAt);
            assertEquals(60L, ((Number) events.getLast().result().get("steps")).longValue());
        }
    }
}
