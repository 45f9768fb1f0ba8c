package dev.llmmesh.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.train.AdamW;
import dev.llmmesh.core.train.CrossEntropy;
import dev.llmmesh.core.train.Flops;
import dev.llmmesh.core.train.GradientClipping;
import dev.llmmesh.core.train.LearningRateSchedule;
import dev.llmmesh.core.train.MatmulPeak;
import dev.llmmesh.core.train.PretrainRun;
import dev.llmmesh.core.train.StepMetrics;
import dev.llmmesh.core.train.TokenWindows;
import dev.llmmesh.core.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.SequencedMap;
import java.util.concurrent.Callable;

/**
 * Training throughput of {@link PretrainRun} on two fixed GPT-2 shapes, against the engine's own float32
 * matmul peak measured in the same run ({@link MatmulPeak}): MFU = model FLOP/s (6N + 12LTC per token) / that
 * peak. Then where a step's time goes: the same step re-run phase by phase with a clock between the phases
 * (libtorch's CPU kernels run synchronously, so each phase has finished when its call returns), and the
 * per-operator self time of a few steps under libtorch's profiler.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Pretraining throughput (tokens/s, MFU vs the measured sgemm peak) and where the time goes.")
final class TrainBench implements Callable<Integer> {
    @Option(names = "--config", defaultValue = "all",
            description = "tiny, 30m or all (tiny first, then 30m) (default: ${DEFAULT-VALUE})")
    String configName;

    @Option(names = "--text", defaultValue = "datasets/corpus/moby-dick.txt",
            description = "training text, GPT-2 encoded (default: ${DEFAULT-VALUE})")
    Path text;

    @Option(names = "--warmup-steps", defaultValue = "3",
            description = "training steps before the timed ones (default: ${DEFAULT-VALUE})")
    int warmupSteps;

    @Option(names = "--steps", defaultValue = "10",
            description = "timed training steps; the median step time counts (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--phase-steps", defaultValue = "3",
            description = "steps re-run phase by phase for the breakdown; 0 skips it (default: ${DEFAULT-VALUE})")
    int phaseSteps;

    @Option(names = "--profile-steps", defaultValue = "2",
            description = "steps run under libtorch's profiler for the per-op table; 0 skips it (default: ${DEFAULT-VALUE})")
    int profileSteps;

    @Option(names = "--top-ops", defaultValue = "15",
            description = "rows of the per-op table (default: ${DEFAULT-VALUE})")
    int topOps;

    @Option(names = "--threads", defaultValue = "0",
            description = "libtorch intra-op threads; 0 keeps the engine's default (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--trace-dir", description = "keep the profiler's chrome traces here (default: a temp dir, deleted)")
    Path traceDir;

    @Option(names = "--seed", defaultValue = "1337", description = "weights and data order (default: ${DEFAULT-VALUE})")
    long seed;

    /** A benchmarked shape: the model and the micro-batch. */
    record Shape(String name, GptConfig model, int batchSize) {
    }

    static Shape shape(String name) {
        return switch (name) {
            case "tiny" -> new Shape("tiny", GptConfig.named("tiny"), 8);
            case "30m" -> new Shape("30m", new GptConfig(50257, 256, 384, 6, 6, 0.0, 1e-5), 8);
            default -> throw new IllegalArgumentException("unknown config '" + name + "'; known: tiny, 30m, all");
        };
    }

    /** What one config's run measured. */
    record Result(Shape shape, long parameters, double flopsPerToken, double medianStepSeconds, double tokensPerSecond,
                  double flopsPerSecond, double peak, double bestPeak, double mfu) {
    }

    @Override
    public Integer call() throws IOException {
        List<String> names = configName.equals("all") ? List.of("tiny", "30m") : List.of(configName);
        List<Shape> shapes = names.stream().map(TrainBench::shape).toList();
        if (steps < 1 || warmupSteps < 0) {
            throw new IllegalArgumentException("need --steps >= 1 and --warmup-steps >= 0");
        }
        // The engine loads libtorch; a thread count set before that has no native library to go to.
        Engine engine = Engine.getEngine("PyTorch");
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        System.out.printf("engine %s %s, intra-op threads %d, inter-op threads %d, %d cores, load avg %.2f%n",
                engine.getEngineName(), engine.getVersion(), JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(),
                Runtime.getRuntime().availableProcessors(), loadAverage());

        long t0 = System.nanoTime();
        int[] tokens = Gpt2Vocabulary.gpt2().encodeOrdinary(Files.readString(text, StandardCharsets.UTF_8));
        System.out.printf("data %s: %,d GPT-2 tokens (encoded in %.2f s)%n", text, tokens.length,
                (System.nanoTime() - t0) / 1e9);

        List<Result> results = new ArrayList<>();
        for (Shape shape : shapes) {
            results.add(runOne(shape, tokens));
        }

        System.out.println();
        System.out.printf("(step s, tokens/s, model GFLOP/s: median timed step; peak: median of the sgemm peaks "
                + "measured after each timed step; MFU: median of the per-step ratios; best peak: the fastest sgemm "
                + "of the config's run)%n");
        System.out.printf("%-6s %12s %9s %10s %12s %13s %10s %7s %10s %12s%n", "config", "params", "step s",
                "tokens/s", "GFLOP/token", "model GFLOP/s", "peak GF/s", "MFU", "best peak", "MFU vs best");
        for (Result r : results) {
            System.out.printf("%-6s %,12d %9.3f %10.1f %12.4f %13.2f %10.2f %6.1f%% %10.2f %11.1f%%%n", r.shape.name,
                    r.parameters, r.medianStepSeconds, r.tokensPerSecond, r.flopsPerToken / 1e9,
                    r.flopsPerSecond / 1e9, r.peak / 1e9, 100 * r.mfu, r.bestPeak / 1e9,
                    100 * r.flopsPerSecond / r.bestPeak);
        }
        for (Result r : results) {
            System.out.printf(Locale.ROOT,
                    "bench: train config=%s tokens_per_s=%.1f mfu=%.4f peak_gflops=%.2f ratio=%.4f vs sgemm_peak%n",
                    r.shape.name, r.tokensPerSecond, r.mfu, r.peak / 1e9, r.mfu);
        }
        return 0;
    }

    private Result runOne(Shape shape, int[] tokens) throws IOException {
        GptConfig mc = shape.model;
        int context = mc.contextLength();
        TrainConfig config = TrainConfig.builder()
                .batchSize(shape.batchSize).contextLength(context)
                .maxSteps(warmupSteps + steps + phaseSteps + profileSteps).warmupSteps(0)
                .evalEvery(0).checkpointEvery(0).seed(seed)
                .build();
        System.out.printf("%n== %s: vocab %d, context %d, width %d, %d layers, %d heads, dropout %.1f; batch %d "
                        + "(%d tokens/step); load avg %.2f%n", shape.name, mc.vocabSize(), context, mc.embedDim(),
                mc.layers(), mc.heads(), mc.dropout(), shape.batchSize, config.tokensPerStep(), loadAverage());
        try (GptModel model = GptModel.initialize(mc, Device.cpu(), seed)) {
            long parameters = model.parameterCount();
            double flopsPerToken = Flops.perToken(parameters, mc.layers(), context, mc.embedDim());
            System.out.printf("parameters %,d; %.4f GFLOP per training token (6N + 12LTC)%n", parameters,
                    flopsPerToken / 1e9);

            MatmulPeak before = MatmulPeak.measure(model.manager());
            System.out.printf("sgemm peak before: %.2f GFLOP/s (%dx%d, fastest of %d products)%n",
                    before.flopsPerSecond() / 1e9, before.size(), before.size(), before.repetitions());

            // The product's own loop, as a training job runs it. After each timed step (inside the step listener,
            // outside the step's clock) the sgemm peak is measured again, so each step's FLOP rate is set against
            // a peak taken under the same load from the neighbours on a shared machine.
            TokenWindows data = TokenWindows.of(tokens, config);
            List<StepMetrics> metrics = new ArrayList<>();
            List<MatmulPeak> peaks = new ArrayList<>();
            TrainConfig timedConfig = config.toBuilder().maxSteps(warmupSteps + steps).build();
            try (PretrainRun run = new PretrainRun(model, data, timedConfig).withPeak(before)) {
                run.onStep(m -> {
                    metrics.add(m);
                    boolean timed = m.step() > warmupSteps;
                    double seconds = timedConfig.tokensPerStep() / m.tokensPerSecond();
                    if (timed) {
                        MatmulPeak p = MatmulPeak.measure(model.manager());
                        peaks.add(p);
                        System.out.printf("  timed   step %3d  loss %.4f  %8.3f s  %9.1f tokens/s  %7.2f GFLOP/s"
                                        + "  | sgemm %7.2f GFLOP/s  MFU %5.1f%%  load %.2f%n", m.step(), m.loss(),
                                seconds, m.tokensPerSecond(), m.tokensPerSecond() * flopsPerToken / 1e9,
                                p.flopsPerSecond() / 1e9,
                                100 * m.tokensPerSecond() * flopsPerToken / p.flopsPerSecond(), loadAverage());
                    } else {
                        System.out.printf("  warmup  step %3d  loss %.4f  %8.3f s  %9.1f tokens/s%n", m.step(),
                                m.loss(), seconds, m.tokensPerSecond());
                    }
                });
                run.run(() -> false);
            }
            List<StepMetrics> timed = metrics.subList(warmupSteps, metrics.size());
            long[] stepNanos = timed.stream()
                    .mapToLong(m -> Math.round(timedConfig.tokensPerStep() / m.tokensPerSecond() * 1e9)).toArray();
            double[] stepMfu = new double[timed.size()];
            for (int i = 0; i < stepMfu.length; i++) {
                stepMfu[i] = timed.get(i).tokensPerSecond() * flopsPerToken / peaks.get(i).flopsPerSecond();
            }
            double medianSeconds = Timing.median(stepNanos) / 1e9;
            double tokensPerSecond = config.tokensPerStep() / medianSeconds;
            double medianPeak = median(peaks.stream().mapToDouble(MatmulPeak::flopsPerSecond).toArray());
            double mfu = median(stepMfu);

            if (phaseSteps > 0) {
                phases(model, data, config, flopsPerToken);
            }
            if (profileSteps > 0) {
                profile(model, data, config);
            }

            MatmulPeak after = MatmulPeak.measure(model.manager());
            System.out.printf("sgemm peak after: %.2f GFLOP/s (fastest of %d products); load avg %.2f%n",
                    after.flopsPerSecond() / 1e9, after.repetitions(), loadAverage());
            double best = Math.max(Math.max(before.flopsPerSecond(), after.flopsPerSecond()),
                    peaks.stream().mapToDouble(MatmulPeak::flopsPerSecond).max().orElse(0));
            double flopsPerSecond = tokensPerSecond * flopsPerToken;
            System.out.printf("%s: median step %.3f s over %d timed steps (min %.3f, max %.3f) = %.1f tokens/s = "
                            + "%.2f model GFLOP/s%n", shape.name, medianSeconds, steps, min(stepNanos) / 1e9,
                    max(stepNanos) / 1e9, tokensPerSecond, flopsPerSecond / 1e9);
            System.out.printf("  sgemm peak after each timed step: median %.2f GFLOP/s (min %.2f, max %.2f); "
                            + "MFU per step vs the peak after it: median %.1f%% (min %.1f%%, max %.1f%%)%n",
                    medianPeak / 1e9, peaks.stream().mapToDouble(MatmulPeak::flopsPerSecond).min().orElse(0) / 1e9,
                    peaks.stream().mapToDouble(MatmulPeak::flopsPerSecond).max().orElse(0) / 1e9, 100 * mfu,
                    100 * java.util.Arrays.stream(stepMfu).min().orElse(0),
                    100 * java.util.Arrays.stream(stepMfu).max().orElse(0));
            System.out.printf("  against the best sgemm seen in this config's run (%.2f GFLOP/s): MFU %.1f%% "
                    + "(median step), %.1f%% (fastest step)%n", best / 1e9, 100 * flopsPerSecond / best,
                    100 * config.tokensPerStep() / (min(stepNanos) / 1e9) * flopsPerToken / best);
            return new Result(shape, parameters, flopsPerToken, medianSeconds, tokensPerSecond, flopsPerSecond,
                    medianPeak, best, mfu);
        }
    }

    // ---- phase breakdown ------------------------------------------------------------------------------------

    private static final String[] PHASES = {"batch", "forward", "loss", "backward", "grads+clip", "adamw",
            "zero grads", "free"};

    /**
     * The step of {@link PretrainRun} (one micro-batch), spelled out with a clock between its phases. libtorch's
     * CPU ops return when their result is computed, so each phase's work has finished when its call returns. The
     * loss is read back after backward, as PretrainRun does; "free" is closing the step's scopes.
     */
    private void phases(GptModel model, TokenWindows data, TrainConfig config, double flopsPerToken) {
        System.out.printf("%nphase breakdown, %d steps timed phase by phase (load avg %.2f):%n", phaseSteps,
                loadAverage());
        SequencedMap<String, NDArray> parameters = model.parameters();
        LearningRateSchedule schedule = LearningRateSchedule.of(config);
        Engine engine = Engine.getEngine("PyTorch");
        long[][] nanos = new long[phaseSteps][PHASES.length];
        long[][] cpu = new long[phaseSteps][PHASES.length];
        long[][] faults = new long[phaseSteps][PHASES.length];
        long[][] sysTicks = new long[phaseSteps][PHASES.length];
        try (AdamW optimizer = AdamW.of(parameters, config)) {
            for (int s = 0; s < phaseSteps; s++) {
                Lap t = new Lap(nanos[s], cpu[s], faults[s], sysTicks[s]);
                long mark = t.start();
                NDManager stepScope = model.manager().newSubManager();
                NDManager microScope = stepScope.newSubManager();
                GradientCollector collector = engine.newGradientCollector();
                TokenWindows.Batch batch = data.nextTrainBatch(microScope, config.batchSize());
                mark = t.lap(0, mark);
                NDArray logits = model.forward(batch.x(), true);
                mark = t.lap(1, mark);
                NDArray loss = CrossEntropy.mean(logits, batch.y());
                mark = t.lap(2, mark);
                collector.backward(loss);
                loss.getFloat();
                mark = t.lap(3, mark);
                collector.close();
                SequencedMap<String, NDArray> gradients = new LinkedHashMap<>();
                parameters.forEach((name, p) -> {
                    NDArray g = p.getGradient();
                    g.attach(stepScope);
                    gradients.put(name, g);
                });
                GradientClipping.clipByGlobalNorm(gradients.values(), config.gradClip());
                mark = t.lap(4, mark);
                boolean grad = JniUtils.isGradMode();
                JniUtils.setGradMode(false);
                optimizer.step(schedule.at(s + 1), gradients);
                JniUtils.setGradMode(grad);
                mark = t.lap(5, mark);
                parameters.values().forEach(p -> JniUtils.zeroGrad((PtNDArray) p));
                mark = t.lap(6, mark);
                microScope.close();
                stepScope.close();
                t.lap(7, mark);
            }
        }
        long[] total = new long[phaseSteps];
        for (int s = 0; s < phaseSteps; s++) {
            for (long v : nanos[s]) {
                total[s] += v;
            }
        }
        // the step with the median total, so the phases add up to a step that happened
        int median = medianIndex(total);
        System.out.printf("  step %d of %d, the one with the median total (all steps: %s); cpu = process CPU time "
                + "(user+sys, all threads) / wall, up to %d with %d intra-op threads; sys in 10 ms ticks%n",
                median + 1, phaseSteps, seconds(total), JniUtils.getNumThreads(), JniUtils.getNumThreads());
        System.out.printf("  %-12s %10s %7s %6s %9s %13s%n", "phase", "ms", "share", "cpu", "sys ms", "minor faults");
        long faultSum = 0;
        long cpuSum = 0;
        long sysSum = 0;
        for (int i = 0; i < PHASES.length; i++) {
            long v = nanos[median][i];
            faultSum += faults[median][i];
            cpuSum += cpu[median][i];
            sysSum += sysTicks[median][i];
            System.out.printf("  %-12s %10.1f %6.1f%% %6.2f %9d %,13d%n", PHASES[i], v / 1e6, 100.0 * v / total[median],
                    v == 0 ? 0.0 : (double) cpu[median][i] / v, sysTicks[median][i] * 10, faults[median][i]);
        }
        double stepSeconds = total[median] / 1e9;
        System.out.printf("  %-12s %10.1f %6.1f%% %6.2f %9d %,13d   = %.1f tokens/s%n", "step", stepSeconds * 1e3,
                100.0, (double) cpuSum / total[median], sysSum * 10, faultSum, config.tokensPerStep() / stepSeconds);
        double forwardShare = (nanos[median][1] + nanos[median][2]) / 1e9;
        double backwardShare = nanos[median][3] / 1e9;
        System.out.printf("  forward+loss %.3f s, backward %.3f s: backward/forward = %.2f (2.0 if both ran at the "
                + "same FLOP rate)%n", forwardShare, backwardShare, backwardShare / forwardShare);
        System.out.printf("  model GFLOP/s within forward+loss: %.2f, within backward: %.2f%n",
                config.tokensPerStep() * flopsPerToken / 3 / forwardShare / 1e9,
                config.tokensPerStep() * flopsPerToken * 2 / 3 / backwardShare / 1e9);
    }

    /** Wall time, process CPU time, minor page faults and system-time ticks, per phase. */
    private static final class Lap {
        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private final long[] wall;
        private final long[] cpu;
        private final long[] faults;
        private final long[] sys;
        private long[] lastStat;
        private long lastCpu;

        Lap(long[] wall, long[] cpu, long[] faults, long[] sys) {
            this.wall = wall;
            this.cpu = cpu;
            this.faults = faults;
            this.sys = sys;
        }

        long start() {
            lastStat = procStat();
            lastCpu = OS.getProcessCpuTime();
            return System.nanoTime();
        }

        /** Books the time since {@code mark} to {@code phase}; returns the mark of the next phase. */
        long lap(int phase, long mark) {
            long now = System.nanoTime();
            long cpuNow = OS.getProcessCpuTime();
            long[] stat = procStat();
            wall[phase] += now - mark;
            cpu[phase] += cpuNow - lastCpu;
            faults[phase] += stat[0] - lastStat[0];
            sys[phase] += stat[1] - lastStat[1];
            lastCpu = cpuNow;
            lastStat = stat;
            return System.nanoTime();
        }

        /** minflt and stime (clock ticks) of this process, from /proc/self/stat; zeros where there is none. */
        static long[] procStat() {
            try {
                String stat = Files.readString(Path.of("/proc/self/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // after the command: state(3) ppid pgrp session tty tpgid flags minflt(10) cminflt majflt cmajflt
                // utime(14) stime(15); f[0] is field 3
                return new long[]{Long.parseLong(f[7]), Long.parseLong(f[12])};
            } catch (IOException | RuntimeException e) {
                return new long[2];
            }
        }
    }

    // ---- per-op profile -------------------------------------------------------------------------------------

    /** A few full steps of PretrainRun's shape under libtorch's (legacy) profiler; self time per op. */
    private void profile(GptModel model, TokenWindows data, TrainConfig config) throws IOException {
        Path dir = traceDir != null ? Files.createDirectories(traceDir) : Files.createTempDirectory("train-profile");
        Path trace = dir.resolve("train-" + model.config().embedDim() + "x" + model.config().layers() + ".json");
        SequencedMap<String, NDArray> parameters = model.parameters();
        LearningRateSchedule schedule = LearningRateSchedule.of(config);
        Engine engine = Engine.getEngine("PyTorch");
        long start;
        long wall;
        try (AdamW optimizer = AdamW.of(parameters, config)) {
            JniUtils.startProfile(false, true, false);
            start = System.nanoTime();
            for (int s = 0; s < profileSteps; s++) {
                try (NDManager stepScope = model.manager().newSubManager()) {
                    try (NDManager microScope = stepScope.newSubManager();
                         GradientCollector collector = engine.newGradientCollector()) {
                        TokenWindows.Batch batch = data.nextTrainBatch(microScope, config.batchSize());
                        NDArray loss = CrossEntropy.mean(model.forward(batch.x(), true), batch.y());
                        collector.backward(loss);
                        loss.getFloat();
                    }
                    SequencedMap<String, NDArray> gradients = new LinkedHashMap<>();
                    parameters.forEach((name, p) -> {
                        NDArray g = p.getGradient();
                        g.attach(stepScope);
                        gradients.put(name, g);
                    });
                    GradientClipping.clipByGlobalNorm(gradients.values(), config.gradClip());
                    boolean grad = JniUtils.isGradMode();
                    JniUtils.setGradMode(false);
                    optimizer.step(schedule.at(s + 1), gradients);
                    JniUtils.setGradMode(grad);
                    parameters.values().forEach(p -> JniUtils.zeroGrad((PtNDArray) p));
                }
            }
            wall = System.nanoTime() - start;
            JniUtils.stopProfile(trace.toString());
        }
        ProfileTrace.Summary summary = ProfileTrace.read(trace);
        System.out.printf("%nper-op self time under libtorch's profiler, %d steps, %.3f s wall (load avg %.2f); "
                        + "trace %s%n", profileSteps, wall / 1e9, loadAverage(),
                traceDir != null ? trace : "(temporary, deleted; --trace-dir keeps it)");
        summary.print(System.out, topOps, wall / 1e3);
        if (traceDir == null) {
            Files.deleteIfExists(trace);
            Files.deleteIfExists(dir);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static int medianIndex(long[] values) {
        Integer[] idx = new Integer[values.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> Long.compare(values[a], values[b]));
        return idx[(idx.length - 1) / 2];
    }

    private static String seconds(long[] nanos) {
        StringBuilder b = new StringBuilder();
        for (long n : nanos) {
            b.append(b.isEmpty() ? "" : ", ").append(String.format("%.3f s", n / 1e9));
        }
        return b.toString();
    }

    private static long min(long[] v) {
        return java.util.Arrays.stream(v).min().orElseThrow();
    }

    private static long max(long[] v) {
        return java.util.Arrays.stream(v).max().orElseThrow();
    }
}
