package dev.llmmesh.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.ServiceJvm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a crashed trainer must not lose, with trainer-service as a real process that is killed (SIGKILL, as the
 * kernel's OOM killer does) mid-job: a cancel sent while it is down still ends the job when a trainer comes back,
 * and the next job runs. A job too big for the trainer ends FAILED with the numbers instead of taking it down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainerFaultsIT {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String datasetId = "faults-" + run;

    private Map<String, String> env;
    private Path logs;
    private ServiceJvm tokenizer;
    private ServiceJvm trainer;
    private ServiceJvm gateway;
    private GatewayClient api;

    @BeforeAll
    void startServices() throws Exception {
        MeshInfra infra = MeshInfra.get();
        Path runDir = Path.of("target", "it-faults-" + run).toAbsolutePath();
        Path artifacts = Files.createDirectories(runDir.resolve("artifacts"));
        infra.createTopics(Map.of(Topics.TOKENIZER_JOBS, Topics.PARTITIONS.get(Topics.TOKENIZER_JOBS),
                Topics.TRAINER_JOBS, Topics.PARTITIONS.get(Topics.TRAINER_JOBS),
                Topics.JOB_EVENTS, Topics.PARTITIONS.get(Topics.JOB_EVENTS)));
        env = Map.of("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers(), "REDIS_URI", infra.redisUri(),
                "LLM_ARTIFACTS_DIR", artifacts.toString());
        logs = runDir.resolve("logs");
        tokenizer = ServiceProcess.start("tokenizer-service", env, logs);
        trainer = ServiceProcess.start("trainer-service", env, logs);
        tokenizer.awaitHealthy();
        trainer.awaitHealthy();
        Map<String, String> gatewayEnv = new HashMap<>(env);
        gatewayEnv.put("LLM_AUTH_ENABLED", "false");
        gatewayEnv.put("MICRONAUT_HTTP_SERVICES_TOKENIZER_URL", "http://localhost:" + tokenizer.port());
        gateway = ServiceProcess.start("gateway", gatewayEnv, logs).awaitHealthy();
        api = new GatewayClient(gateway.port());

        String book = Files.readString(ServiceJars.root().resolve("datasets/corpus/moby-dick.txt"));
        int start = book.indexOf("Call me Ishmael.");
        api.post("/v1/datasets?id=" + datasetId, "text/plain", book.substring(start, start + 60_000)).expect(201);
        JobRun.succeed(api, "/v1/jobs", JobRun.job("tokenize-dataset", "tokenize-" + run, "datasetId", datasetId,
                "tokenizerId", "gpt2"), JOB_TIMEOUT, tokenizer);
    }

    @AfterAll
    void stopServices() {
        for (ServiceJvm service : new ServiceJvm[] {gateway, trainer, tokenizer}) {
            if (service != null) {
                service.close();
            }
        }
    }

    @Test
    void aCancelSentWhileTheTrainerIsDownEndsTheJobWhenATrainerComesBack() throws Exception {
        String jobId = "long-" + run;
        api.postJson("/v1/jobs", pretrain(jobId, 100_000)).expect(202);
        awaitStep(jobId, 3);

        trainer.kill();
        // Give the gateway time to fold the dead trainer's last events before counting them.
        Thread.sleep(1_000);
        int beforeRestart = api.get("/v1/jobs/" + jobId).expect(200).body().path("events").asInt();
        api.post("/v1/jobs/" + jobId + "/cancel", "application/json", "").expect(202);
        trainer = ServiceProcess.start("trainer-service", env, logs, "trainer-service-restarted").awaitHealthy();

        List<JobEvent> events = api.follow(jobId, JOB_TIMEOUT);
        assertEquals(JobState.CANCELLED, events.getLast().state(), "last event: " + events.getLast()
                + "\nthe end of " + trainer.log() + ":\n" + trainer.logTail());
        // The restarted trainer read the cancel before taking the job up again: it never ran another step.
        List<JobEvent> afterRestart = events.subList(beforeRestart, events.size());
        assertTrue(afterRestart.stream().noneMatch(e -> e.state() == JobState.RUNNING),
                "the job ran again after the restart: " + afterRestart);

        // The restarted trainer is free for the next job: the cancelled one did not hold it.
        JobRun next = JobRun.succeed(api, "/v1/jobs", pretrain("short-" + run, 5), JOB_TIMEOUT, trainer);
        assertEquals(JobState.SUCCEEDED, next.events().getLast().state());
    }

    @Test
    void aJobTooBigForTheTrainerIsRefusedOrFailsWithItsMemoryNeedsAndTheTrainerLives() throws Exception {
        Map<String, Object> huge = pretrain("huge-" + run, 10);
        huge.put("model", "gpt2-xl");
        huge.put("hyperparameters", Map.of("batchSize", 64, "contextLength", 1024));
        GatewayClient.Reply reply = api.postJson("/v1/jobs", huge);
        String told;
        if (reply.status() == 400) {
            told = reply.text();
        } else {
            assertEquals(202, reply.status(), reply.text());
            JobEvent last = api.follow("huge-" + run, JOB_TIMEOUT).getLast();
            assertEquals(JobState.FAILED, last.state(), last.toString());
            told = last.message();
        }
        assertTrue(told.contains("GiB"), "the refusal gives the memory it needs and has: " + told);
        trainer.checkAlive();
    }

    private Map<String, Object> pretrain(String jobId, int maxSteps) {
        Map<String, Object> job = JobRun.job("pretrain", jobId, "datasetId", datasetId, "tokenizerId", "gpt2",
                "modelId", "m-" + jobId, "model", "tiny", "maxSteps", maxSteps);
        job.put("hyperparameters", new HashMap<>(Map.of("batchSize", 2, "contextLength", 32, "warmupSteps", 1,
                "evalEvery", 1000, "checkpointEvery", 2)));
        return job;
    }

    /** Polls the gateway's view of the job until it reports at least {@code step} steps done. */
    private void awaitStep(String jobId, long step) throws Exception {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode job = api.get("/v1/jobs/" + jobId).expect(200).body();
            if (job.path("progress").path("done").asLong() >= step) {
                return;
            }
            assertTrue(!JobState.valueOf(job.path("state").asText()).terminal(), "the job ended early: " + job);
            trainer.checkAlive();
            Thread.sleep(200);
        }
        throw new AssertionError("job " + jobId + " did not reach step " + step + " within " + JOB_TIMEOUT.toSeconds()
                + " s; the end of " + trainer.log() + ":\n" + trainer.logTail());
    }
}
