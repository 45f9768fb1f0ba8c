package dev.llmmesh.trainer;

import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.ModelDirectory;
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
 * A fine-tune whose replica stops mid-run is resumed by the next replica from its last checkpoint: the epochs
 * already done are not trained again.
 */
class FinetuneResumeTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @Test
    void aFineTuneWhoseReplicaStopsIsResumedByTheNextFromItsCheckpoint() throws Exception {
        Map<String, Object> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", PretrainJobTest.tempDir().toString());
        String jobId = "resume-ft-" + PretrainJobTest.shortId();
        String baseId = "resume-base-" + PretrainJobTest.shortId();
        String mail = "resume-mail-" + PretrainJobTest.shortId();

        try (ApplicationContext first = ApplicationContext.run(props, "test")) {
            FileArtifactStore artifacts = first.getBean(FileArtifactStore.class);
            FinetuneClassifierJobTest.publishBase(artifacts, baseId);
            FinetuneClassifierJobTest.uploadMail(artifacts, mail);
            FinetuneClassifierJobTest.awaitKnown(first.getBean(ModelDirectory.class), baseId);
            KafkaProbe.send(Topics.TRAINER_JOBS, jobId, """
                    {"type":"finetune-classifier","jobId":"%s","baseModelId":"%s","datasetId":"%s",
                     "hyperparameters":{"epochs":12,"batchSize":4,"learningRate":0.001}}
                    """.formatted(jobId, baseId, mail));
            KafkaProbe.readUntil(Topics.JOB_EVENTS, TIMEOUT, seen -> KafkaProbe.events(seen, jobId).stream()
                    .anyMatch(e -> e.progress() != null && e.progress().metrics().containsKey("validationLoss")
                            && e.progress().metrics().get("epoch") >= 2));
        }

        try (ApplicationContext second = ApplicationContext.run(props, "test")) {
            List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
            assertEquals(JobState.SUCCEEDED, events.getLast().state(), events.getLast().message());
            List<String> stages = events.stream().filter(e -> e.progress() != null).map(e -> e.progress().stage())
                    .toList();
            assertEquals(1, stages.stream().filter("training"::equals).count(), "started once: " + stages);
            int resumed = stages.indexOf(stages.stream().filter(s -> s.startsWith("resumed from checkpoint"))
                    .findFirst().orElseThrow(() -> new AssertionError("never resumed: " + stages)));
            List<Double> epochsAfter = events.stream().filter(e -> e.progress() != null).skip(resumed)
                    .filter(e -> e.progress().metrics().containsKey("validationLoss"))
                    .map(e -> e.progress().metrics().get("epoch")).toList();
            assertTrue(epochsAfter.getFirst() > 2, "the epochs done before the stop are not trained again: "
                    + epochsAfter);
            // 84 examples in batches of 4: 21 steps an epoch; the first step after the resume is past two epochs'.
            long firstStepAfter = events.stream().filter(e -> e.progress() != null).skip(resumed + 1)
                    .filter(e -> "training".equals(e.progress().stage())).mapToLong(e -> e.progress().done())
                    .findFirst().orElse(Long.MAX_VALUE);
            assertTrue(firstStepAfter > 42, "resumed at step " + firstStepAfter);
            assertEquals(12, ((Number) events.getLast().result().get("epochs")).intValue());
            FinetuneClassifierJobTest.awaitKnown(second.getBean(ModelDirectory.class), jobId);
        }
    }
}
