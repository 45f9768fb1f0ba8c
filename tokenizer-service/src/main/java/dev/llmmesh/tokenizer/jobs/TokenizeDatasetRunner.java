package dev.llmmesh.tokenizer.jobs;

import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.ShardBoundaries;
import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.ArtifactStore;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Progress;
import dev.llmmesh.mesh.RedisKeys;
import dev.llmmesh.mesh.ShardCache;
import dev.llmmesh.mesh.TokenManifest;
import dev.llmmesh.mesh.TokenShards;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.jobs.TokenizerJob;
import dev.llmmesh.servicekit.MeshProducer;
import dev.llmmesh.servicekit.jobs.JobEvents;
import dev.llmmesh.servicekit.jobs.JobFailedException;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code tokenize-dataset}: the replica that receives the job cuts the text into shards and puts one
 * {@code tokenize-shard} task per shard back on the jobs topic, so every replica in the consumer group
 * takes a share. Each shard lands in the artifact store and in Redis; whichever replica completes the
 * last shard writes the manifest (exactly once, by an atomic create) and reports success.
 */
@Singleton
public class TokenizeDatasetRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TokenizeDatasetRunner.class);

    private final ArtifactStore artifacts;
    private final TokenizerRegistry registry;
    private final ShardCache cache;
    private final JobEvents events;
    private final MeshProducer producer;
    private final java.util.concurrent.atomic.AtomicLong shardsTokenized = new java.util.concurrent.atomic.AtomicLong();

    public TokenizeDatasetRunner(ArtifactStore artifacts, TokenizerRegistry registry, ShardCache cache,
                                 JobEvents events, MeshProducer producer) {
        this.artifacts = artifacts;
        this.registry = registry;
        this.cache = cache;
        this.events = events;
        this.producer = producer;
    }

    public void plan(TokenizerJob.TokenizeDataset job) throws IOException, JobFailedException {
        DatasetText text = DatasetText.find(artifacts, job.datasetId());
        tokenizer(job.tokenizerId());
        String manifestKey = ArtifactKeys.tokensManifest(job.datasetId(), job.tokenizerId());
        if (artifacts.exists(manifestKey)) {
            // Tokenizing is deterministic: the existing shards are what this job would produce.
            events.reporter(job.jobId(), job.jobType()).succeeded("dataset " + job.datasetId() + " was already tokenized with " + job.tokenizerId(),
                    result(readManifest(manifestKey), manifestKey));
            return;
        }
        List<ShardBoundaries.Range> shards = text.plan(job.shardBytes());
        events.reporter(job.jobId(), job.jobType()).running(new Progress(0, shards.size(), "shards", "planned", 0, null, Map.of()));
        for (int i = 0; i < shards.size(); i++) {
            var range = shards.get(i);
            var task = new TokenizerJob.TokenizeShard(null, job.jobId(), job.datasetId(), job.tokenizerId(), i,
                    shards.size(), range.from(), range.to());
            producer.send(Topics.TOKENIZER_JOBS, job.jobId() + "/" + i, Json.bytes(task));
        }
    }

    public void tokenize(TokenizerJob.TokenizeShard task) throws IOException, JobFailedException {
        BpeTokenizer tokenizer = tokenizer(task.tokenizerId());
        String text = DatasetText.find(artifacts, task.datasetId()).read(task.from(), task.to());
        byte[] packed = TokenShards.pack(tokenizer.encode(text, SpecialTokenPolicy.ALLOW_ALL));
        artifacts.write(ArtifactKeys.tokenShard(task.datasetId(), task.tokenizerId(), task.jobId(), task.shard()), packed);
        try {
            cache.put(task.tokenizerId(), task.datasetId(), task.shard(), packed);
        } catch (RuntimeException e) {
            LOG.warn("could not cache shard {} of {} in Redis; readers will use the artifact store: {}", task.shard(),
                    task.datasetId(), e.toString());
        }
        shardsTokenized.incrementAndGet();
        String dir = ArtifactKeys.tokenShardsDir(task.datasetId(), task.tokenizerId(), task.jobId());
        List<String> done = artifacts.list(dir).stream().filter(n -> n.startsWith("shard-")).toList();
        if (done.size() < task.shards()) {
            events.reporter(task.jobId(), task.jobType()).running(new Progress(done.size(), task.shards(), "shards", "tokenizing", 0, null,
                    Map.of()));
            return;
        }
        finish(task, dir, done);
    }

    /** Shards this replica has tokenized since it started. */
    public long shardsTokenized() {
        return shardsTokenized.get();
    }

    private void finish(TokenizerJob.TokenizeShard task, String dir, List<String> shardFiles) throws IOException {
        List<TokenManifest.Shard> shards = new ArrayList<>();
        long tokens = 0;
        for (int i = 0; i < shardFiles.size(); i++) {
            String key = dir + shardFiles.get(i);
            long count = artifacts.size(key) / Integer.BYTES;
            shards.add(new TokenManifest.Shard(i, key, RedisKeys.tokenShard(task.tokenizerId(), task.datasetId(), i), count));
            tokens += count;
        }
        var manifest = new TokenManifest(TokenManifest.TYPE, TokenManifest.SCHEMA_VERSION, task.datasetId(),
                task.tokenizerId(), task.jobId(), tokens, shards, Instant.now());
        String manifestKey = ArtifactKeys.tokensManifest(task.datasetId(), task.tokenizerId());
        if (artifacts.createIfAbsent(manifestKey, Json.bytes(manifest))) {
            events.reporter(task.jobId(), task.jobType()).succeeded("tokenized dataset " + task.datasetId() + " with " + task.tokenizerId() + ": "
                    + tokens + " tokens in " + shards.size() + " shards", result(manifest, manifestKey));
        }
    }

    private TokenManifest readManifest(String key) throws IOException {
        try (InputStream in = artifacts.open(key)) {
            return Json.LENIENT.readValue(in, TokenManifest.class);
        }
    }

    private static Map<String, Object> result(TokenManifest manifest, String manifestKey) {
        return Map.of("datasetId", manifest.datasetId(), "tokenizerId", manifest.tokenizerId(),
                "tokens", manifest.tokens(), "shards", manifest.shards().size(), "manifest", manifestKey);
    }

    private BpeTokenizer tokenizer(String id) throws JobFailedException {
        return registry.find(id).orElseThrow(() -> new JobFailedException("tokenizer '" + id
                + "' not found; train it first or use gpt2"));
    }
}
