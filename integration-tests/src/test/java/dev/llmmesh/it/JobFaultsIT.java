package dev.llmmesh.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.RedisServer;
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
 * Faults under jobs, with tokenizer-service, trainer-service and the gateway as real processes on a real broker and
 * a redis-server of this test's own (so stopping it disturbs no other test): a trainer killed mid-job (SIGKILL, as
 * the kernel's OOM killer does) does not lose a cancel sent while it is down; a job too big for the trainer ends
 * FAILED with the numbers instead of taking it down; with Redis stopped, jobs go on within seconds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobFaultsIT {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String datasetId = "faults-" + run;
    private final RedisServer redis = RedisServer.start();

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
        env = Map.of("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers(), "REDIS_URI", redis.uri(),
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

        api.post("/v1/datasets?id=" + datasetId, "text/plain", excerpt()).expect(201);
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
        redis.close();
    }

    /** Redis is a cache: without it shards are written to and read from the artifact store alone, at once. */
    @Test
    void withRedisStoppedATokenizeAndAPretrainJobFinishWithinSecondsAndServicesStayHealthy() throws Exception {
        String dataset = "no-redis-" + run;
        api.post("/v1/datasets?id=" + dataset, "text/plain", excerpt()).expect(201);
        redis.stop();
        try {
            long t0 = System.nanoTime();
            JobRun.succeed(api, "/v1/jobs", JobRun.job("tokenize-dataset", "tokenize-" + dataset, "datasetId", dataset,
                    "tokenizerId", "gpt2", "shardBytes", 16_384), JOB_TIMEOUT, tokenizer);
            long t1 = System.nanoTime();
            Map<String, Object> job = pretrain("pretrain-" + dataset, 5);
            job.put("datasetId", dataset);
            JobRun.succeed(api, "/v1/jobs", job, JOB_TIMEOUT, trainer);
            long t2 = System.nanoTime();
            // Before Redis calls had short timeouts and a breaker, each took a minute or more (60 s per call).
            assertTrue(t1 - t0 < Duration.ofSeconds(30).toNanos(), "tokenize took " + (t1 - t0) / 1e9 + " s");
            assertTrue(t2 - t1 < Duration.ofSeconds(45).toNanos(), "pretrain took " + (t2 - t1) / 1e9 + " s");
            for (ServiceJvm service : List.of(tokenizer, trainer, gateway)) {
                GatewayClient.Reply health = new GatewayClient(service.port()).get("/health");
                assertEquals(200, health.status(), service.name() + ": " + health.text());
            }
            assertTrue(new GatewayClient(trainer.port()).get("/health").text().contains("DEGRADED"),
                    "the trainer reports Redis degraded");
        } finally {
            redis.restart();
        }
    }

    private static String excerpt() throws Exception {
        String book = Files.readString(ServiceJars.root().resolve("datasets/corpus/moby-dick.txt"));
        int start = book.indexOf("Call me Ishmael.");
        return book.substring(start, start + 60_000);
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
        huge.put("shape", "gpt2-xl");
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
                "modelId", "m-" + jobId, "shape", "tiny", "maxSteps", maxSteps);
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
