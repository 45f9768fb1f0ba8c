package dev.llmmesh.bench;

import ai.djl.Device;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.core.train.PretrainResult;
import dev.llmmesh.core.train.PretrainRun;
import dev.llmmesh.core.train.TokenWindows;
import dev.llmmesh.core.train.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The base a spam variant fine-tunes: the recipes' base shape (launcher's {@code BaseModelSpec}: GPT-2 vocabulary,
 * no dropout, batch 8, nanoGPT's peak 1e-3 decaying to 1e-4 after a tenth of the steps as warmup, seed 1337)
 * pretrained in process by {@link PretrainRun} on the corpus, every file a shard as the trainer's dataset shards
 * are. Trained once per setting and kept on disk under {@code cache/<key>}; {@code steps == 0} is the random
 * initialisation the pretraining would start from.
 */
record SpamBase(int embedDim, int layers, int heads, int contextLength, int batchSize, int steps) {
    static final long SEED = 1337;

    GptConfig config() {
        return new GptConfig(50257, contextLength, embedDim, layers, heads, 0.0, 1e-5);
    }

    /** The cache directory's name: every setting that changes the weights. */
    String key() {
        return "spam-base-v1-c%d-l%d-h%d-t%d-b%d-s%d".formatted(embedDim, layers, heads, contextLength, batchSize,
                steps);
    }

    TrainConfig training() {
        return TrainConfig.builder().batchSize(batchSize).contextLength(contextLength).learningRate(1e-3)
                .minLearningRate(1e-4).warmupSteps(Math.max(1, steps / 10)).maxSteps(Math.max(1, steps))
                .evalEvery(0).checkpointEvery(0).seed(SEED).build();
    }

    /** Pretrains into {@code cache/<key>} unless it is there; returns that directory (null for steps 0). */
    Path prepare(Path cache, Corpus corpus, Tokenizer tokenizer) throws IOException {
        if (steps == 0) {
            return null;
        }
        Path dir = cache.resolve(key());
        if (Files.exists(dir.resolve(GptCheckpoint.WEIGHTS_FILE))) {
            System.out.printf("base %s: cached in %s%n", key(), dir);
            return dir;
        }
        long t0 = System.nanoTime();
        List<int[]> shards = corpus.texts().stream().map(tokenizer::encodeOrdinary).toList();
        long tokens = shards.stream().mapToLong(s -> s.length).sum();
        System.out.printf("base %s: pretraining %d steps of %d tokens on %s (%,d GPT-2 tokens in %d files, "
                + "encoded in %.1f s)%n", key(), steps, (long) batchSize * contextLength, corpus.dir(), tokens,
                shards.size(), (System.nanoTime() - t0) / 1e9);
        TrainConfig config = training();
        long start = System.nanoTime();
        try (GptModel model = GptModel.initialize(config(), Device.cpu(), SEED);
             PretrainRun run = new PretrainRun(model, TokenWindows.of(shards, config), config)) {
            run.onStep(m -> {
                if (m.step() % 10 == 0 || m.step() == steps) {
                    System.out.printf("  base step %4d/%d  loss %.4f  %7.1f tokens/s  %.0f s%n", m.step(), steps,
                            m.loss(), m.tokensPerSecond(), (System.nanoTime() - start) / 1e9);
                }
            });
            PretrainResult result = run.run(() -> false);
            Path tmp = cache.resolve(key() + ".tmp");
            Files.createDirectories(tmp);
            GptCheckpoint.save(model, tmp);
            Files.move(tmp, dir);
            System.out.printf("base %s: %d steps, last loss %.4f, %.0f s; saved to %s%n", key(), result.steps(),
                    result.lastLoss(), (System.nanoTime() - start) / 1e9, dir);
        }
        return dir;
    }

    /** A fresh copy of the base's weights to fine-tune. */
    GptModel open(Path dir) throws IOException {
        return dir == null ? GptModel.initialize(config(), Device.cpu(), SEED) : GptCheckpoint.load(dir, Device.cpu());
    }
}
