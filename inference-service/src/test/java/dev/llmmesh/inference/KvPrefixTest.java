package dev.llmmesh.inference;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.KvCache;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.inference.kv.KvBlock;
import dev.llmmesh.inference.kv.KvBlockCodec;
import dev.llmmesh.inference.kv.KvPrefixSettings;
import dev.llmmesh.inference.kv.PrefixBlocks;
import dev.llmmesh.inference.kv.RedisKvPrefixStore;
import dev.llmmesh.mesh.CircuitBreaker;
import dev.llmmesh.mesh.GuardedRedis;
import dev.llmmesh.mesh.RedisKeys;
import dev.llmmesh.testkit.MeshInfra;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prompt-prefix KV states through a real redis-server: what one replica computed, another loads into its own cache
 * and continues from, with the same logits and tokens as a full prefill, and sooner.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvPrefixTest {
    private static final Logger LOG = LoggerFactory.getLogger(KvPrefixTest.class);
    private static final int BLOCK = 64;
    private static final GptConfig MODEL = new GptConfig(50257, 512, 256, 4, 4, 0.0, 1e-5);

    /** For the test's own look at Redis (TTLs, CLIENT PAUSE). */
    private RedisClient redis;
    /** The stores' way to Redis; one per test, so a breaker one test opens does not skip Redis in the next. */
    private GuardedRedis guarded;

    @BeforeAll
    void connect() {
        redis = RedisClient.create(MeshInfra.get().redisUri());
    }

    @AfterAll
    void disconnect() {
        redis.shutdown();
    }

    @BeforeEach
    void guard() {
        guarded = GuardedRedis.create(MeshInfra.get().redisUri(), GuardedRedis.Settings.DEFAULTS);
    }

    @AfterEach
    void unguard() {
        guarded.close();
    }

    private RedisKvPrefixStore store(long budget) {
        return store(budget, Duration.ofSeconds(5));
    }

    private RedisKvPrefixStore store(long budget, Duration storeTimeout) {
        return new RedisKvPrefixStore(guarded, new KvPrefixSettings(true, BLOCK, Duration.ofMinutes(10), 32 << 20, budget,
                Duration.ofSeconds(5), storeTimeout));
    }

    /**
     * A big block's SET can outlast llm.redis.command-timeout (1 s) on a Redis that answers everything else: it used
     * to open the breaker shared by the whole replica, so lookups were skipped and /health said DEGRADED. Here Redis
     * holds every write (CLIENT PAUSE WRITE) while it serves reads.
     */
    @Test
    void aStoreThatRunsOutOfItsTimeoutDoesNotMakeTheReplicaSkipRedis() throws Exception {
        String modelId = "kv-slow-" + InferenceFixture.shortId();
        int[] stored = prompt(0);
        int[] slow = prompt(1);
        try (RedisKvPrefixStore store = store(1L << 30, Duration.ofMillis(300)); var admin = redis.connect()) {
            assertTrue(store.store(modelId, stored, blocks(2)) > 0);
            assertEquals(2, store.lookup(modelId, 1, stored).size());
            pauseWrites(admin, 3000);
            try {
                long t0 = System.nanoTime();
                assertEquals(0, store.store(modelId, slow, blocks(2)), "nothing stored while Redis holds writes");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 1000, "the store gave up after " + ms + " ms, not at its 300 ms");
                assertEquals(CircuitBreaker.State.CLOSED, guarded.status().state(), "a slow write is no outage");
                assertEquals(2, store.lookup(modelId, 1, stored).size(), "lookups still go to Redis");
            } finally {
                unpause(admin);
            }
        }
    }

    @Test
    void aStoreMayTakeLongerThanTheCommandTimeout() throws Exception {
        String modelId = "kv-long-" + InferenceFixture.shortId();
        int[] prompt = prompt(2);
        try (RedisKvPrefixStore store = store(1L << 30, Duration.ofSeconds(5)); var admin = redis.connect()) {
            assertEquals(List.of(), store.lookup(modelId, 1, prompt), "connected, nothing there yet");
            pauseWrites(admin, 1500);
            long t0 = System.nanoTime();
            try {
                assertTrue(store.store(modelId, prompt, blocks(2)) > 0, "stored once Redis took writes again");
            } finally {
                unpause(admin);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms > guarded.settings().commandTimeout().toMillis(), "the store waited " + ms + " ms");
            assertEquals(CircuitBreaker.State.CLOSED, guarded.status().state());
            assertEquals(2, store.lookup(modelId, 1, prompt).size());
        }
    }

    /** A prompt of three blocks and a token, different for each {@code seed}. */
    private static int[] prompt(int seed) {
        int[] prompt = new int[3 * BLOCK + 1];
        Arrays.setAll(prompt, i -> (i * 31 + seed * 1000 + 7) % 50257);
        return prompt;
    }

    /** The first {@code count} blocks of a prompt, small ones (2 heads of 8). */
    private static List<KvBlock> blocks(int count) {
        List<KvBlock> blocks = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            float[][] kv = {new float[2 * BLOCK * 8]};
            blocks.add(new KvBlock(1, new KvCache.Run(k * BLOCK, BLOCK, 2, 8, kv, kv)));
        }
        return blocks;
    }

    /** Redis holds every client's writes for {@code ms} and serves their reads. */
    private static void pauseWrites(StatefulRedisConnection<String, String> admin, long ms) {
        admin.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(ms).add("WRITE"));
    }

    private static void unpause(StatefulRedisConnection<String, String> admin) {
        admin.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE"));
    }

    @Test
    void aRedisThatDoesNotAnswerCostsALookupItsTimeoutNotMore() throws Exception {
        Duration timeout = Duration.ofMillis(150);
        int[] prompt = new int[2 * BLOCK + 1];
        try (RedisKvPrefixStore store = new RedisKvPrefixStore(guarded, new KvPrefixSettings(true, BLOCK,
                Duration.ofMinutes(10), 32 << 20, 1L << 30, timeout, Duration.ofSeconds(5)));
             var admin = redis.connect()) {
            assertEquals(List.of(), store.lookup("paused-model", 1L, prompt), "a miss while Redis answers");
            // the real server stops serving every client for a second, as a stalled or overloaded one would
            admin.sync().clientPause(1000);
            long t0 = System.nanoTime();
            assertEquals(List.of(), store.lookup("paused-model", 1L, prompt), "a miss when Redis does not answer");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= timeout.toMillis() && ms < 900, "gave up after " + ms + " ms, not at the timeout");
            // the breaker is open now: the next lookups do not wait at all
            t0 = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                assertEquals(List.of(), store.lookup("paused-model", 1L, prompt));
            }
            ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 100, "10 lookups while Redis is skipped took " + ms + " ms");
        }
    }

    @Test
    void theCodecKeepsEveryBitAndRejectsWhatItDidNotWrite() {
        SplittableRandom random = new SplittableRandom(3);
        float[][] keys = new float[2][3 * 5 * 4];
        float[][] values = new float[2][3 * 5 * 4];
        for (int l = 0; l < 2; l++) {
            for (int i = 0; i < keys[l].length; i++) {
                keys[l][i] = (float) random.nextGaussian();
                values[l][i] = (float) random.nextGaussian();
            }
        }
        KvBlock block = new KvBlock(42L, new KvCache.Run(10, 5, 3, 4, keys, values));
        byte[] bytes = KvBlockCodec.encode(block);
        KvCache.Run back = KvBlockCodec.decode(bytes).run();
        assertEquals(42L, KvBlockCodec.decode(bytes).model());
        assertEquals(List.of(2, 3, 4, 10, 5), List.of(back.layers(), back.heads(), back.headDim(), back.from(),
                back.length()));
        for (int l = 0; l < 2; l++) {
            assertArrayEquals(keys[l], back.keys()[l]);
            assertArrayEquals(values[l], back.values()[l]);
        }
        assertThrows(IllegalArgumentException.class, () -> KvBlockCodec.decode(Arrays.copyOf(bytes, bytes.length - 4)));
        bytes[0] ^= 1;
        assertThrows(IllegalArgumentException.class, () -> KvBlockCodec.decode(bytes));
    }

    @Test
    void blocksAreNamedByTheirWholePrefixAndNeverHoldTheLastToken() {
        int[] prompt = new int[200];
        Arrays.setAll(prompt, i -> i * 7 % 50257);
        List<String> digests = PrefixBlocks.digests(prompt, BLOCK);
        assertEquals(3, digests.size(), "positions 0-191 in three blocks");
        assertEquals(1, PrefixBlocks.digests(Arrays.copyOf(prompt, 128), BLOCK).size(),
                "the 128th token is the last: it is fed, not cached");
        assertEquals(2, PrefixBlocks.digests(Arrays.copyOf(prompt, 129), BLOCK).size());
        assertEquals(digests.subList(0, 2), PrefixBlocks.digests(Arrays.copyOf(prompt, 150), BLOCK));
        int[] changed = prompt.clone();
        changed[5] = 1;
        List<String> other = PrefixBlocks.digests(changed, BLOCK);
        for (int k = 0; k < 3; k++) {
            assertNotEquals(digests.get(k), other.get(k), "a change early in the prompt changes every later block");
        }
    }

    @Test
    void aSecondReplicaContinuesFromTheStoredPrefixWithTheSameOutputSooner() throws Exception {
        String modelId = "kv-" + InferenceFixture.shortId();
        int[] prompt = Arrays.copyOf(Gpt2Vocabulary.gpt2().encode(Files.readString(
                Path.of("..", "datasets", "corpus", "moby-dick.txt")).substring(0, 4000)), 7 * BLOCK + 1);
        try (GptModel model = GptModel.initialize(MODEL, Device.cpu(), 5);
             RedisKvPrefixStore store = store(1L << 30)) {
            long fingerprint = 77;
            // Replica A: prefills the prompt, then shares its blocks.
            List<Long> cold = new ArrayList<>();
            float[] coldLogits = null;
            List<Integer> coldTokens = null;
            for (int run = 0; run < 3; run++) {
                try (KvCache cache = model.newCache(1, MODEL.contextLength())) {
                    long t0 = System.nanoTime();
                    coldLogits = forward(model, cache, prompt);
                    cold.add(System.nanoTime() - t0);
                    if (run == 0) {
                        List<KvBlock> blocks = new ArrayList<>();
                        for (int k = 0; k < 7; k++) {
                            blocks.add(new KvBlock(fingerprint, cache.read(0, k * BLOCK, BLOCK)));
                        }
                        assertTrue(store.store(modelId, prompt, blocks) > 7 * blocks.getFirst().bytes());
                    }
                    coldTokens = greedy(model, cache, coldLogits, 20);
                }
            }
            // Replica B: loads the prefix from Redis and feeds only the last token.
            List<Long> warm = new ArrayList<>();
            float[] warmLogits = null;
            List<Integer> warmTokens = null;
            for (int run = 0; run < 3; run++) {
                try (KvCache cache = model.newCache(1, MODEL.contextLength())) {
                    long t0 = System.nanoTime();
                    List<KvBlock> found = store.lookup(modelId, fingerprint, prompt);
                    found.forEach(b -> cache.append(0, b.run()));
                    warmLogits = forward(model, cache, Arrays.copyOfRange(prompt, found.size() * BLOCK, prompt.length));
                    warm.add(System.nanoTime() - t0);
                    assertEquals(7, found.size());
                    warmTokens = greedy(model, cache, warmLogits, 20);
                }
            }
            double coldMs = median(cold) / 1e6;
            double warmMs = median(warm) / 1e6;
            LOG.info("first-token latency for a {}-token prompt: {} ms prefilled, {} ms from the Redis prefix ({}x)",
                    prompt.length, "%.1f".formatted(coldMs), "%.1f".formatted(warmMs),
                    "%.1f".formatted(coldMs / warmMs));
            float maxDiff = 0;
            for (int i = 0; i < coldLogits.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(coldLogits[i] - warmLogits[i]));
            }
            assertTrue(maxDiff < 1e-4, "logits differ by " + maxDiff);
            assertEquals(coldTokens, warmTokens, "the same continuation");
            assertTrue(warmMs < coldMs, "loading the prefix (" + warmMs + " ms) beats computing it (" + coldMs + " ms)");

            assertEquals(List.of(), store.lookup(modelId, fingerprint + 1, prompt),
                    "another publication of the model does not read these states");
        }
    }

    @Test
    void theBudgetAndTheTtlBoundWhatIsStored() {
        String modelId = "kv-budget-" + InferenceFixture.shortId();
        int[] prompt = new int[3 * BLOCK + 1];
        Arrays.setAll(prompt, i -> i);
        List<KvBlock> blocks = blocks(3);
        long entry = KvBlockCodec.encode(blocks.getFirst()).length;
        try (RedisKvPrefixStore store = store(2 * entry + entry / 2)) {
            assertEquals(2 * entry, store.store(modelId, prompt, blocks), "two blocks fit the budget, not three");
            assertEquals(2, store.lookup(modelId, 1, prompt).size());
            try (var connection = redis.connect()) {
                String key = RedisKeys.kvPrefix(modelId, PrefixBlocks.digests(prompt, BLOCK).getFirst());
                long ttl = connection.sync().pttl(key);
                assertTrue(ttl > 0 && ttl <= Duration.ofMinutes(10).toMillis(), "ttl " + ttl);
            }
        }
    }

    /** Feeds tokens to slot 0 and returns the last position's logits. */
    private static float[] forward(GptModel model, KvCache cache, int[] tokens) {
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray ids = scope.create(tokens, new Shape(1, tokens.length));
            return model.forward(ids, cache, new int[] {0}, true).toFloatArray();
        }
    }

    private static List<Integer> greedy(GptModel model, KvCache cache, float[] logits, int count) {
        List<Integer> tokens = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int best = 0;
            for (int v = 1; v < logits.length; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            tokens.add(best);
            logits = forward(model, cache, new int[] {best});
        }
        return tokens;
    }

    private static double median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
