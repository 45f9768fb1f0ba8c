package dev.llmmesh.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.SafeTensors;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.train.AdamW;
import dev.llmmesh.core.train.CrossEntropy;
import dev.llmmesh.core.train.MatmulPeak;
import dev.llmmesh.core.train.PretrainRun;
import dev.llmmesh.core.train.StepMetrics;
import dev.llmmesh.core.train.TokenWindows;
import dev.llmmesh.core.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.concurrent.Callable;

/**
 * The Java half of the training parity check against PyTorch ({@code bench/parity/torch_parity.py}): a small GPT-2
 * trained for a few steps by {@link PretrainRun} itself, with everything the other side needs to train the same
 * model on the same data written beside it.
 *
 * <p>Writes to {@code --out}: {@code initial/} (the initial weights, {@link GptCheckpoint#save}: HuggingFace names,
 * Conv1D [in, out]), {@code batches.json} (the exact x/y of every step, drawn from a twin {@link TokenWindows} with
 * the same seed, which yields the batches PretrainRun draws), {@code grads_step1.safetensors} (the gradients of the
 * mean loss of batch 1 at the initial weights, before clipping), {@code train.json} (the hyperparameters, which
 * parameters decay, and per step the loss, learning rate and pre-clip gradient norm) and {@code final/} (the
 * weights after the last step).
 */
@Command(name = "train-parity-export", mixinStandardHelpOptions = true,
        description = "Train a small GPT-2 a few steps and export weights, batches and losses for torch_parity.py.")
final class TrainParityExport implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--out", defaultValue = "bench/parity/out", description = "output directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--text", defaultValue = "datasets/corpus/moby-dick.txt",
            description = "training text, GPT-2 encoded (default: ${DEFAULT-VALUE})")
    Path text;

    @Option(names = "--steps", defaultValue = "20", description = "optimizer steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--width", defaultValue = "64") int width;
    @Option(names = "--layers", defaultValue = "2") int layers;
    @Option(names = "--heads", defaultValue = "4") int heads;
    @Option(names = "--context", defaultValue = "32") int context;
    @Option(names = "--batch", defaultValue = "8") int batch;
    /** High enough that 20 steps take the loss from ln(50257) = 10.8 to about 8: a loss that barely moves from its
     * uniform-prediction value would hide differences in the model. */
    @Option(names = "--lr", defaultValue = "1e-2", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    double learningRate;
    @Option(names = "--min-lr", defaultValue = "1e-3") double minLearningRate;
    @Option(names = "--warmup", defaultValue = "5", description = "warmup steps (default: ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--weight-decay", defaultValue = "0.1") double weightDecay;
    @Option(names = "--clip", defaultValue = "1.0", description = "global-norm clip (default: ${DEFAULT-VALUE})")
    double clip;
    @Option(names = "--decay-embeddings", defaultValue = "true", arity = "1",
            description = "TrainConfig.decayEmbeddings (default: ${DEFAULT-VALUE})")
    boolean decayEmbeddings;
    @Option(names = "--seed", defaultValue = "1337") long seed;

    @Override
    public Integer call() throws IOException {
        int[] tokens = Gpt2Vocabulary.gpt2().encodeOrdinary(Files.readString(text, StandardCharsets.UTF_8));
        GptConfig modelConfig = new GptConfig(50257, context, width, layers, heads, 0.0, 1e-5);
        TrainConfig config = TrainConfig.builder()
                .batchSize(batch).contextLength(context)
                .learningRate(learningRate).minLearningRate(minLearningRate).warmupSteps(warmup).maxSteps(steps)
                .weightDecay(weightDecay).gradClip(clip).decayEmbeddings(decayEmbeddings)
                .evalEvery(0).checkpointEvery(0).seed(seed)
                .build();
        Files.createDirectories(out);
        System.out.printf("model: vocab %d, context %d, width %d, %d layers, %d heads, dropout 0; %d steps of batch %d%n",
                modelConfig.vocabSize(), context, width, layers, heads, steps, batch);

        try (GptModel model = GptModel.initialize(modelConfig, Device.cpu(), seed)) {
            GptCheckpoint.save(model, out.resolve("initial"));

            // The twin draws exactly what PretrainRun's windows will draw: same tokens, same config, same seed.
            TokenWindows twin = TokenWindows.of(tokens, config);
            ArrayNode xs = JSON.createArrayNode();
            ArrayNode ys = JSON.createArrayNode();
            try (NDManager scope = model.manager().newSubManager()) {
                for (int s = 0; s < steps; s++) {
                    TokenWindows.Batch b = twin.nextTrainBatch(scope, batch);
                    xs.add(rows(b.x()));
                    ys.add(rows(b.y()));
                    if (s == 0) {
                        stepOneGradients(model, b);
                    }
                    b.close();
                }
            }
            ObjectNode batches = JSON.createObjectNode();
            batches.set("x", xs);
            batches.set("y", ys);
            JSON.writeValue(out.resolve("batches.json").toFile(), batches);

            List<StepMetrics> metrics = new ArrayList<>();
            TokenWindows data = TokenWindows.of(tokens, config);
            // The peak only feeds the MFU figure of each step, which this check ignores: no need to measure it.
            try (PretrainRun run = new PretrainRun(model, data, config).withPeak(new MatmulPeak(1, 1, 1))) {
                run.onStep(m -> {
                    metrics.add(m);
                    System.out.printf("  step %2d  lr %.6g  loss %.6f  grad norm %.6f%n", m.step(), m.learningRate(),
                            m.loss(), m.gradNorm());
                });
                run.run(() -> false);
            }
            GptCheckpoint.save(model, out.resolve("final"));

            ObjectNode train = JSON.createObjectNode();
            ObjectNode hyper = train.putObject("config");
            hyper.put("vocab_size", modelConfig.vocabSize());
            hyper.put("context", context);
            hyper.put("width", width);
            hyper.put("layers", layers);
            hyper.put("heads", heads);
            hyper.put("layer_norm_eps", modelConfig.layerNormEps());
            hyper.put("batch", batch);
            hyper.put("steps", steps);
            hyper.put("lr", learningRate);
            hyper.put("min_lr", minLearningRate);
            hyper.put("warmup", warmup);
            hyper.put("weight_decay", weightDecay);
            hyper.put("beta1", config.beta1());
            hyper.put("beta2", config.beta2());
            hyper.put("eps", config.eps());
            hyper.put("clip", clip);
            hyper.put("decay_embeddings", decayEmbeddings);
            ArrayNode decayed = train.putArray("decayed");
            model.parameters().forEach((name, p) -> {
                if (AdamW.decays(name, p.getShape(), decayEmbeddings)) {
                    decayed.add(name);
                }
            });
            ArrayNode stepsJson = train.putArray("steps");
            for (StepMetrics m : metrics) {
                ObjectNode s = stepsJson.addObject();
                s.put("step", m.step());
                s.put("lr", m.learningRate());
                s.put("loss", m.loss());
                s.put("grad_norm", m.gradNorm());
                s.put("skipped", m.skipped());
            }
            JSON.writeValue(out.resolve("train.json").toFile(), train);
        }
        System.out.printf("wrote %s: initial/, final/, batches.json, grads_step1.safetensors, train.json%n", out);
        return 0;
    }

    /** Gradients of batch 1's mean loss at the initial weights; zeroed again afterwards. */
    private void stepOneGradients(GptModel model, TokenWindows.Batch b) throws IOException {
        SequencedMap<String, NDArray> parameters = model.parameters();
        parameters.values().forEach(p -> {
            if (!p.hasGradient()) {
                p.setRequiresGradient(true);
            }
        });
        try (NDManager scope = model.manager().newSubManager()) {
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray logits = model.forward(b.x(), true);
                logits.attach(scope);
                NDArray loss = CrossEntropy.mean(logits, b.y());
                collector.backward(loss);
            }
            Map<String, NDArray> gradients = new LinkedHashMap<>();
            parameters.forEach((name, p) -> {
                try (NDArray handle = p.getGradient()) {
                    NDArray g = handle.duplicate();
                    g.attach(scope);
                    gradients.put(name, g);
                }
            });
            SafeTensors.write(out.resolve("grads_step1.safetensors"), gradients, Map.of());
        }
        parameters.values().forEach(p -> JniUtils.zeroGrad((PtNDArray) p));
    }

    private static ArrayNode rows(NDArray ids) {
        int[] flat = ids.toIntArray();
        int cols = (int) ids.getShape().get(1);
        ArrayNode rows = JSON.createArrayNode();
        for (int r = 0; r < flat.length / cols; r++) {
            ArrayNode row = rows.addArray();
            for (int c = 0; c < cols; c++) {
                row.add(flat[r * cols + c]);
            }
        }
        return rows;
    }
}
