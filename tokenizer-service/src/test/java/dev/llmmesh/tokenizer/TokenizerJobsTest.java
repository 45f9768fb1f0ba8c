package dev.llmmesh.tokenizer;

import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.tokenizer.IntList;
import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.DeadLetters;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.TokenManifest;
import dev.llmmesh.mesh.TokenShards;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import dev.llmmesh.testkit.UsesMeshInfra;
import dev.llmmesh.tokenizer.jobs.TokenizeDatasetRunner;
import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.micronaut.context.ApplicationContext;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.llmmesh.tokenizer.TokenizerTests.shortId;
import static dev.llmmesh.tokenizer.TokenizerTests.tempDir;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jobs path end to end on the testkit's real Kafka broker and redis-server. */
@MicronautTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenizerJobsTest implements UsesMeshInfra {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String TEXT = mobyDick(300_000);

    private final Path artifactsDir = tempDir();

    @Inject
    ArtifactStore artifacts;

    @Inject
    TokenizeDatasetRunner runner;

    private ApplicationContext secondReplica;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", artifactsDir.toString());
        props.put("micronaut.server.port", "-1");
        return props;
    }

    @AfterAll
    void stopSecondReplica() {
        if (secondReplica != null) {
            secondReplica.close();
        }
    }

    @Test
    void tokenizeDatasetShardsAreInRedisAndTheArtifactStoreAndEqualADirectEncode() throws Exception {
        String datasetId = "moby-" + shortId();
        artifacts.write(ArtifactKeys.datasetText(datasetId), TEXT.getBytes(StandardCharsets.UTF_8));
        String jobId = "job-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, jobId, """
                {"type":"tokenize-dataset","schemaVersion":1,"jobId":"%s","datasetId":"%s","tokenizerId":"gpt2","shardBytes":16384}
                """.formatted(jobId, datasetId));

        List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
        JobEvent last = events.getLast();
        assertEquals(JobState.SUCCEEDED, last.state(), last.message());
        assertTrue(events.stream().anyMatch(e -> e.state() == JobState.RUNNING && e.progress() != null
                && e.progress().done() > 0 && e.progress().done() < e.progress().total()), "progress events: " + events);

        TokenManifest manifest = manifest(datasetId, "gpt2");
        assertTrue(manifest.shards().size() >= 15, "shards: " + manifest.shards().size());
        int[] expected = Gpt2Vocabulary.gpt2().encode(TEXT, SpecialTokenPolicy.ALLOW_ALL);
        assertEquals(expected.length, manifest.tokens());
        assertEquals(((Number) last.result().get("tokens")).longValue(), manifest.tokens());

        var fromStore = new IntList();
        var fromRedis = new IntList();
        try (var redis = RedisClient.create(MeshInfra.get().redisUri());
             var connection = redis.connect(ByteArrayCodec.INSTANCE)) {
            for (TokenManifest.Shard shard : manifest.shards()) {
                byte[] stored;
                try (InputStream in = artifacts.open(shard.key())) {
                    stored = in.readAllBytes();
                }
                byte[] cached = connection.sync().get(shard.redisKey().getBytes(StandardCharsets.UTF_8));
                assertNotNull(cached, "Redis has " + shard.redisKey());
                assertTrue(connection.sync().ttl(shard.redisKey().getBytes(StandardCharsets.UTF_8)) > 0, "shards expire");
                assertEquals(shard.tokens(), stored.length / 4);
                fromStore.addAll(TokenShards.unpack(stored));
                fromRedis.addAll(TokenShards.unpack(cached));
            }
        }
        assertArrayEquals(expected, fromStore.toArray());
        assertArrayEquals(expected, fromRedis.toArray());

        String again = "job-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, again, """
                {"type":"tokenize-dataset","jobId":"%s","datasetId":"%s","tokenizerId":"gpt2"}""".formatted(again, datasetId));
        JobEvent repeat = KafkaProbe.eventsUntilTerminal(again, TIMEOUT).getLast();
        assertEquals(JobState.SUCCEEDED, repeat.state());
        assertTrue(repeat.message().contains("already tokenized"), repeat.message());
    }

    @Test
    void trainsATokenizerThatTheServiceThenUses() throws Exception {
        String datasetId = "train-" + shortId();
        artifacts.write(ArtifactKeys.datasetText(datasetId), TEXT.getBytes(StandardCharsets.UTF_8));
        String jobId = "job-" + shortId();
        String tokenizerId = "tok-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, jobId, """
                {"type":"train-tokenizer","jobId":"%s","datasetId":"%s","tokenizerId":"%s","vocabSize":1000,"minFrequency":2}
                """.formatted(jobId, datasetId, tokenizerId));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.SUCCEEDED, last.state(), last.message());
        assertEquals(1000, ((Number) last.result().get("vocabSize")).intValue());
        assertTrue(artifacts.exists(ArtifactKeys.tokenizerJson(tokenizerId)));

        var registry = new TokenizerRegistry(artifacts);
        var trained = registry.find(tokenizerId).orElseThrow();
        String sample = TEXT.substring(50_000, 60_000);
        int[] ids = trained.encode(sample);
        assertEquals(sample, trained.decode(ids));
        assertTrue(ids.length < sample.length() / 2.5, "a 1000-token BPE compresses English text: " + ids.length);
        assertEquals(999, trained.specialTokens().get("<|endoftext|>"));

        // The trained tokenizer also tokenizes datasets.
        String tokenizeJob = "job-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, tokenizeJob, """
                {"type":"tokenize-dataset","jobId":"%s","datasetId":"%s","tokenizerId":"%s","shardBytes":65536}
                """.formatted(tokenizeJob, datasetId, tokenizerId));
        assertEquals(JobState.SUCCEEDED, KafkaProbe.eventsUntilTerminal(tokenizeJob, TIMEOUT).getLast().state());
        assertEquals(trained.encode(TEXT).length, manifest(datasetId, tokenizerId).tokens());

        String duplicate = "job-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, duplicate, """
                {"type":"train-tokenizer","jobId":"%s","datasetId":"%s","tokenizerId":"%s","vocabSize":1000}
                """.formatted(duplicate, datasetId, tokenizerId));
        JobEvent refused = KafkaProbe.eventsUntilTerminal(duplicate, TIMEOUT).getLast();
        assertEquals(JobState.FAILED, refused.state());
        assertTrue(refused.message().contains("already exists"), refused.message());
        assertEquals("tokenizerId", refused.field());
    }

    @Test
    void jobsForMissingThingsFailWithTheReason() throws Exception {
        String jobId = "job-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, jobId, """
                {"type":"tokenize-dataset","jobId":"%s","datasetId":"no-such-dataset","tokenizerId":"gpt2"}""".formatted(jobId));
        JobEvent failed = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.FAILED, failed.state());
        assertTrue(failed.message().contains("no dataset 'no-such-dataset'"), failed.message());
        assertEquals("datasetId", failed.field(), "checked as the gateway checks it, naming the field");

        String datasetId = "small-" + shortId();
        artifacts.write(ArtifactKeys.datasetText(datasetId), "some text".getBytes(StandardCharsets.UTF_8));
        String noTokenizer = "job-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, noTokenizer, """
                {"type":"tokenize-dataset","jobId":"%s","datasetId":"%s","tokenizerId":"missing-tok"}""".formatted(noTokenizer, datasetId));
        JobEvent noTok = KafkaProbe.eventsUntilTerminal(noTokenizer, TIMEOUT).getLast();
        assertEquals(JobState.FAILED, noTok.state());
        assertTrue(noTok.message().contains("no tokenizer 'missing-tok'"), noTok.message());
        assertEquals("tokenizerId", noTok.field());

        String tooSmall = "job-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, tooSmall, """
                {"type":"train-tokenizer","jobId":"%s","datasetId":"%s","vocabSize":10}""".formatted(tooSmall, datasetId));
        JobEvent small = KafkaProbe.eventsUntilTerminal(tooSmall, TIMEOUT).getLast();
        assertEquals(JobState.FAILED, small.state());
        assertTrue(small.message().contains("vocabSize"), small.message());
    }

    @Test
    void impossibleTrainTokenizerSettingsSentStraightToKafkaFailAtOnceNamingTheField() throws Exception {
        String datasetId = "bounds-" + shortId();
        artifacts.write(ArtifactKeys.datasetText(datasetId), "some text".getBytes(StandardCharsets.UTF_8));
        Map<String, String> fieldByJob = new java.util.LinkedHashMap<>();
        for (var bad : List.of(List.of("vocabSize", "\"vocabSize\":0"), List.of("vocabSize", "\"vocabSize\":-1"),
                List.of("vocabSize", "\"vocabSize\":100"), List.of("vocabSize", "\"vocabSize\":100000000"),
                List.of("vocabSize", "\"vocabSize\":300.5"),
                List.of("minFrequency", "\"vocabSize\":300,\"minFrequency\":-5"))) {
            String jobId = "job-" + shortId();
            KafkaProbe.send(Topics.TOKENIZER_JOBS, jobId, """
                    {"type":"train-tokenizer","jobId":"%s","datasetId":"%s",%s}""".formatted(jobId, datasetId, bad.get(1)));
            fieldByJob.put(jobId, bad.get(0));
        }
        for (var job : fieldByJob.entrySet()) {
            JobEvent failed = KafkaProbe.eventsUntilTerminal(job.getKey(), TIMEOUT).getLast();
            assertEquals(JobState.FAILED, failed.state(), failed.message());
            assertTrue(failed.message().contains(job.getValue() + ": ") || failed.message().contains(job.getValue() + " must"),
                    failed.message());
            assertTrue(!failed.message().contains("internal error"), failed.message());
        }
    }

    @Test
    void poisonMessagesGoToTheDeadLetterTopicAndTheConsumerKeepsGoing() throws Exception {
        String marker = shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, "poison-" + marker, "this is not json " + marker);
        String unknownType = "job-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, unknownType, """
                {"type":"bake-a-cake","jobId":"%s"}""".formatted(unknownType));
        String unknownField = "job-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, unknownField, """
                {"type":"tokenize-dataset","jobId":"%s","datasetId":"d","tokenizerId":"gpt2","colour":"red"}""".formatted(unknownField));

        var dead = KafkaProbe.readUntil(Topics.DEAD_LETTER, TIMEOUT, seen -> seen.stream()
                .filter(r -> List.of("poison-" + marker, unknownType, unknownField).contains(r.key())).count() == 3);
        ConsumerRecord<String, byte[]> poison = dead.stream().filter(r -> r.key().equals("poison-" + marker)).findFirst().orElseThrow();
        assertEquals("this is not json " + marker, new String(poison.value(), StandardCharsets.UTF_8));
        assertEquals(Topics.TOKENIZER_JOBS, header(poison, DeadLetters.ORIGINAL_TOPIC));
        assertTrue(Long.parseLong(header(poison, DeadLetters.ORIGINAL_OFFSET)) >= 0);
        assertTrue(header(poison, DeadLetters.ERROR).startsWith("not JSON"), header(poison, DeadLetters.ERROR));
        ConsumerRecord<String, byte[]> typed = dead.stream().filter(r -> r.key().equals(unknownType)).findFirst().orElseThrow();
        assertTrue(header(typed, DeadLetters.ERROR).contains("unknown job type 'bake-a-cake'; valid types: train-tokenizer, "
                + "tokenize-dataset"), header(typed, DeadLetters.ERROR));

        JobEvent fieldEvent = KafkaProbe.eventsUntilTerminal(unknownField, TIMEOUT).getLast();
        assertEquals(JobState.FAILED, fieldEvent.state());
        assertTrue(fieldEvent.message().contains("unknown field 'colour'"), fieldEvent.message());

        // Still consuming: a good job after the poison ones completes.
        String datasetId = "after-poison-" + shortId();
        artifacts.write(ArtifactKeys.datasetText(datasetId), "still alive".getBytes(StandardCharsets.UTF_8));
        String good = "job-" + shortId();
        KafkaProbe.send(Topics.TOKENIZER_JOBS, good, """
                {"type":"tokenize-dataset","jobId":"%s","datasetId":"%s","tokenizerId":"gpt2"}""".formatted(good, datasetId));
        assertEquals(JobState.SUCCEEDED, KafkaProbe.eventsUntilTerminal(good, TIMEOUT).getLast().state());
    }

    @Test
    void twoReplicasShareTheShardsOfOneDataset() throws Exception {
        Map<String, Object> props = new HashMap<>(getProperties());
        secondReplica = ApplicationContext.run(props);
        secondReplica.getBean(io.micronaut.runtime.server.EmbeddedServer.class).start();
        awaitGroupMembers("tokenizer", 2);

        String datasetId = "shared-" + shortId();
        artifacts.write(ArtifactKeys.datasetText(datasetId), TEXT.getBytes(StandardCharsets.UTF_8));
        long mineBefore = runner.shardsTokenized();
        TokenizeDatasetRunner other = secondReplica.getBean(TokenizeDatasetRunner.class);
        long otherBefore = other.shardsTokenized();
        String jobId = "job-shared-1";
        KafkaProbe.send(Topics.TOKENIZER_JOBS, jobId, """
                {"type":"tokenize-dataset","jobId":"%s","datasetId":"%s","tokenizerId":"gpt2","shardBytes":8192}
                """.formatted(jobId, datasetId));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.SUCCEEDED, last.state(), last.message());
        long mine = runner.shardsTokenized() - mineBefore;
        long theirs = other.shardsTokenized() - otherBefore;
        int shards = manifest(datasetId, "gpt2").shards().size();
        assertTrue(mine > 0 && theirs > 0, "both replicas worked: " + mine + " + " + theirs);
        assertTrue(mine + theirs >= shards, mine + " + " + theirs + " of " + shards);
        assertEquals(Gpt2Vocabulary.gpt2().encode(TEXT, SpecialTokenPolicy.ALLOW_ALL).length,
                manifest(datasetId, "gpt2").tokens());
    }

    private void awaitGroupMembers(String group, int members) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                MeshInfra.get().kafkaBootstrapServers()))) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            Object last = null;
            while (System.nanoTime() < deadline) {
                var description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                last = description;
                if (description.members().size() >= members && description.state().name().equals("STABLE")
                        && description.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                    return;
                }
                Thread.sleep(200);
            }
            throw new AssertionError("consumer group " + group + " never had " + members + " members: " + last);
        }
    }

    private TokenManifest manifest(String datasetId, String tokenizerId) throws Exception {
        try (InputStream in = artifacts.open(ArtifactKeys.tokensManifest(datasetId, tokenizerId))) {
            return Json.LENIENT.readValue(in, TokenManifest.class);
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static String mobyDick(int chars) {
        try {
            String text = Files.readString(Path.of("..", "datasets", "corpus", "moby-dick.txt"));
            return text.substring(0, chars);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
