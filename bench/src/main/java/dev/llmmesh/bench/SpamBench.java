package dev.llmmesh.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.llmmesh.core.eval.ClassificationMetrics;
import dev.llmmesh.core.finetune.ClassificationData;
import dev.llmmesh.core.finetune.ClassifierModel;
import dev.llmmesh.core.finetune.ClassifierTraining;
import dev.llmmesh.core.finetune.FinetuneConfig;
import dev.llmmesh.core.finetune.FinetuneResult;
import dev.llmmesh.core.finetune.NaiveBayesBaseline;
import dev.llmmesh.core.finetune.Pooling;
import dev.llmmesh.core.finetune.Trainable;
import dev.llmmesh.core.finetune.Truncation;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.train.Flops;
import dev.llmmesh.core.train.MatmulPeak;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The spam recipe's fine-tune, in process and without the stack: for every variant (base pretraining steps,
 * trainable part, learning rate, epochs, maximum length) and seed, the trainer's balanced, stratified 70/10/20 split
 * of the bundled SpamAssassin mails ({@link SpamSplit}), a classifier fine-tuned from the base by core's
 * {@link ClassifierTraining}, its test accuracy beside a multinomial naive Bayes trained and tested on the same split,
 * and the fine-tune's speed against the float32 sgemm peak measured in the same run.
 */
@Command(name = "spam", mixinStandardHelpOptions = true,
        description = "Spam classification fine-tune ablation: test accuracy vs naive Bayes on the same split.")
final class SpamBench implements Callable<Integer> {
    @Option(names = "--data", defaultValue = "datasets/spam/spamassassin.jsonl",
            description = "labeled mails, jsonl {text, label} (default: ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--corpus", defaultValue = "datasets/corpus",
            description = "the base's pretraining text, every .txt below (default: ${DEFAULT-VALUE})")
    Path corpus;

    @Option(names = "--cache", defaultValue = "target/bench-cache",
            description = "pretrained bases are kept here, one directory per setting (default: ${DEFAULT-VALUE})")
    Path cache;

    @Option(names = "--trainable", split = ",", defaultValue = "last-block",
            description = "head, last-block, all; a list runs each (default: ${DEFAULT-VALUE})")
    List<String> trainables;

    @Option(names = "--pooling", split = ",", defaultValue = "last",
            description = "what the head reads: last (token), mean (of the tokens); a list runs each "
                    + "(default: ${DEFAULT-VALUE})")
    List<String> poolings;

    @Option(names = "--seeds", split = ",", defaultValue = "1,2,3",
            description = "one fine-tune per seed: its split, head and order, as a job's seed (default: ${DEFAULT-VALUE})")
    List<Long> seeds;

    @Option(names = "--base-steps", split = ",", defaultValue = "400",
            description = "the base's pretraining steps; 0 = random init, no pretraining (default: ${DEFAULT-VALUE})")
    List<Integer> baseSteps;

    @Option(names = "--base-width", defaultValue = "256", description = "the base's width (default: ${DEFAULT-VALUE})")
    int baseWidth;

    @Option(names = "--base-layers", defaultValue = "6", description = "the base's layers (default: ${DEFAULT-VALUE})")
    int baseLayers;

    @Option(names = "--base-heads", defaultValue = "4", description = "the base's heads (default: ${DEFAULT-VALUE})")
    int baseHeads;

    @Option(names = "--base-context", defaultValue = "256",
            description = "the base's context (default: ${DEFAULT-VALUE})")
    int baseContext;

    @Option(names = "--epochs", split = ",", defaultValue = "5", description = "fine-tune epochs (default: ${DEFAULT-VALUE})")
    List<Integer> epochs;

    @Option(names = "--lr", split = ",", defaultValue = "1e-4",
            description = "fine-tune learning rate (default: ${DEFAULT-VALUE})")
    List<Double> learningRates;

    @Option(names = "--min-lr", split = ",",
            description = "where a cosine decay of the learning rate ends at the last step; a list runs each "
                    + "(default: none, the rate stays constant)")
    List<Double> minLearningRates;

    @Option(names = "--max-length", split = ",", defaultValue = "256",
            description = "tokens of a mail read (default: ${DEFAULT-VALUE})")
    List<Integer> maxLengths;

    @Option(names = "--truncation", split = ",", defaultValue = "head",
            description = "which tokens of a longer mail are read: head (the first), head-tail (the first half and "
                    + "the last half); a list runs each (default: ${DEFAULT-VALUE})")
    List<String> truncations;

    @Option(names = "--batch-size", defaultValue = "8", description = "fine-tune batch (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--dropout", split = ",",
            description = "dropout while fine-tuning; a list runs each (default: the base's own, 0 for these bases)")
    List<Double> dropouts;

    @Option(names = "--patience", defaultValue = "0",
            description = "early stopping on validation loss after this many epochs without a better one, keeping "
                    + "the best; 0 = off (default: ${DEFAULT-VALUE})")
    int patience;

    @Option(names = "--test-every-epoch", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "also score the test split after every epoch, so one run shows every epoch count "
                    + "(default: ${DEFAULT-VALUE})")
    boolean testEveryEpoch;

    @Option(names = "--threads", defaultValue = "0",
            description = "libtorch intra-op threads; 0 keeps the engine's default (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--no-balance", description = "keep every mail instead of down-sampling to the rarest label")
    boolean noBalance;

    /** One fine-tune's settings, the seed aside. */
    record Variant(int baseSteps, Trainable trainable, Pooling pooling, double learningRate, Double minLearningRate,
                   int epochs, int maxLength, Truncation truncation, Double dropout) {
        String name() {
            return "base%d/%s/%s/lr%s%s/e%d/len%d%s%s".formatted(baseSteps, trainable, pooling,
                    SpamReport.number(learningRate),
                    minLearningRate == null ? "" : "-cos" + SpamReport.number(minLearningRate), epochs, maxLength,
                    truncation == Truncation.HEAD ? "" : "-" + truncation,
                    dropout == null ? "" : "/drop" + SpamReport.number(dropout));
        }
    }

    /** What one seed of a variant measured. */
    record SeedRun(long seed, long correct, long examples, long baselineCorrect, int epochs, int bestEpoch,
                   double seconds, double tokensPerSecond, double modelFlopsPerSecond, double peakFlopsPerSecond) {
        double accuracy() {
            return (double) correct / examples;
        }

        double baselineAccuracy() {
            return (double) baselineCorrect / examples;
        }
    }

    /** Every variant to run, in the order the options list them (the base steps outermost). */
    List<Variant> variants() {
        List<Variant> out = new ArrayList<>();
        for (int steps : baseSteps) {
            for (String t : trainables) {
                for (String p : poolings) {
                    for (double lr : learningRates) {
                        for (Double min : orUnset(minLearningRates)) {
                            for (int e : epochs) {
                                for (int len : maxLengths) {
                                    for (String tr : truncations) {
                                        for (Double d : orUnset(dropouts)) {
                                            out.add(new Variant(steps, Trainable.of(t), Pooling.of(p), lr, min, e,
                                                    len, Truncation.of(tr), d));
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** An option's values, or the one unset value (null: the config's own default) when it was not given. */
    private static List<Double> orUnset(List<Double> values) {
        return values == null ? Collections.singletonList(null) : values;
    }

    void check() {
        if (seeds.isEmpty() || seeds.stream().distinct().count() != seeds.size()) {
            throw new IllegalArgumentException("--seeds must be distinct and at least one, got " + seeds);
        }
        for (int len : maxLengths) {
            if (len < 1 || len > baseContext) {
                throw new IllegalArgumentException("--max-length must be in [1, " + baseContext + "], got " + len);
            }
        }
        for (int s : baseSteps) {
            if (s < 0) {
                throw new IllegalArgumentException("--base-steps must be 0 or more, got " + s);
            }
        }
    }

    @Override
    public Integer call() throws IOException {
        check();
        List<Variant> variants = variants();
        // The engine loads libtorch; a thread count set before that has no native library to go to.
        Engine.getEngine("PyTorch");
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        BpeTokenizer tokenizer = Gpt2Vocabulary.gpt2();
        List<SpamSplit.Row> rows = SpamSplit.read(data);
        System.out.printf("data %s: %d mails; %d variant(s) x %d seed(s); %d cores, %d intra-op threads, load avg "
                + "%.2f%n", data, rows.size(), variants.size(), seeds.size(), Runtime.getRuntime().availableProcessors(),
                JniUtils.getNumThreads(), TrainBench.loadAverage());
        Map<Integer, Path> bases = new LinkedHashMap<>();
        Corpus text = baseSteps.stream().anyMatch(s -> s > 0) ? Corpus.load(corpus) : null;
        for (int steps : baseSteps) {
            bases.put(steps, base(steps).prepare(cache, text, tokenizer));
        }
        Map<Variant, List<SeedRun>> results = new LinkedHashMap<>();
        for (Variant v : variants) {
            System.out.printf("%n== %s%n", v.name());
            List<SeedRun> runs = new ArrayList<>();
            for (long seed : seeds) {
                SeedRun r = runOne(v, seed, rows, tokenizer, bases.get(v.baseSteps()));
                runs.add(r);
                System.out.println(SpamReport.seedLine(v, r));
            }
            results.put(v, runs);
        }
        System.out.println();
        SpamReport.table(results).forEach(System.out::println);
        results.forEach((v, runs) -> System.out.println(SpamReport.benchLine(v, runs)));
        return 0;
    }

    SpamBase base(int steps) {
        return new SpamBase(baseWidth, baseLayers, baseHeads, baseContext, 8, steps);
    }

    private SeedRun runOne(Variant v, long seed, List<SpamSplit.Row> rows, BpeTokenizer tokenizer, Path baseDir)
            throws IOException {
        SpamSplit split = SpamSplit.of(rows, !noBalance, seed);
        NaiveBayesBaseline nb = NaiveBayesBaseline.train(SpamSplit.texts(split.train()), SpamSplit.gold(split.train()),
                split.labels().size());
        long nbCorrect = 0;
        for (var e : split.test()) {
            nbCorrect += nb.predict(e.text()) == e.label() ? 1 : 0;
        }
        ClassificationData train = ClassificationData.of(split.train(), split.labels(), tokenizer, v.maxLength(),
                v.truncation());
        ClassificationData validation = ClassificationData.of(split.validation(), split.labels(), tokenizer,
                v.maxLength(), v.truncation());
        ClassificationData test = ClassificationData.of(split.test(), split.labels(), tokenizer, v.maxLength(),
                v.truncation());
        long trainTokens = 0;
        for (int i = 0; i < train.size(); i++) {
            trainTokens += train.length(i);
        }
        FinetuneConfig config = FinetuneConfig.builder().epochs(v.epochs()).batchSize(batchSize)
                .learningRate(v.learningRate()).minLearningRate(v.minLearningRate()).weightDecay(weightDecay)
                .dropout(v.dropout()).trainable(v.trainable()).seed(seed)
                .earlyStoppingPatience(patience > 0 ? patience : null).build();
        GptModel base = base(v.baseSteps()).open(baseDir);
        try (ClassifierModel model = ClassifierModel.fromBase(base, split.labels(), v.maxLength(),
                train.padTokenId(), v.pooling(), v.truncation(), seed);
             ClassifierTraining training = new ClassifierTraining(model, train, validation, config)) {
            NDManager manager = model.manager();
            double[] trainSeconds = new double[1];
            List<Double> peaks = new ArrayList<>();
            peaks.add(MatmulPeak.measure(manager).flopsPerSecond());
            int quarter = Math.max(1, training.batchesPerEpoch() / 4);
            training.onStep(r -> {
                if (r.batch() % quarter == 0 && r.batch() < r.batchesPerEpoch()) {
                    System.out.printf("  seed %d epoch %d batch %d/%d  loss %.4f%n", seed, r.epoch(), r.batch(),
                            r.batchesPerEpoch(), r.step().loss());
                }
            });
            training.onEpoch(r -> {
                trainSeconds[0] += r.seconds();
                String line = "  seed %d epoch %d/%d  train loss %.4f acc %.3f  val loss %.4f acc %.3f%s  %.1f s"
                        .formatted(seed, r.epoch(), r.epochs(), r.trainLoss(), r.trainAccuracy(), r.validationLoss(),
                                r.validationAccuracy(), r.best() ? " *" : "  ", r.seconds());
                if (testEveryEpoch) {
                    line += "  | test acc %.3f".formatted(training.evaluate(test).accuracy());
                }
                System.out.println(line);
            });
            FinetuneResult result = training.run(() -> false);
            peaks.add(MatmulPeak.measure(manager).flopsPerSecond());
            ClassificationMetrics metrics = training.evaluate(test);
            double tokensPerSecond = trainTokens * result.epochs() / trainSeconds[0];
            // 6N + 12LTC with N the weights a token passes through (blocks, final LayerNorm, score head; not the
            // embeddings, which are a lookup, nor the unused LM head): the cost of training all of them, so for
            // head or last-block this overstates the work done.
            long n = model.parameters().entrySet().stream()
                    .filter(e -> !e.getKey().contains("wte.") && !e.getKey().contains("wpe."))
                    .mapToLong(e -> e.getValue().size()).sum();
            double flops = tokensPerSecond * Flops.perToken(n, model.config().layers(), v.maxLength(),
                    model.config().embedDim());
            return new SeedRun(seed, metrics.correct(), metrics.examples(), nbCorrect, result.epochs(),
                    result.bestEpoch(), trainSeconds[0], tokensPerSecond, flops, Timing.median(
                            peaks.stream().mapToDouble(Double::doubleValue).toArray()));
        }
    }
}
