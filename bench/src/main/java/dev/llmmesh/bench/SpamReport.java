package dev.llmmesh.bench;

import dev.llmmesh.bench.SpamBench.SeedRun;
import dev.llmmesh.bench.SpamBench.Variant;
import dev.llmmesh.core.eval.Interval;
import dev.llmmesh.core.eval.Intervals;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The spam bench's lines. A variant's accuracy is the mean over its seeds, with one Wilson interval over all of
 * their test predictions pooled (every seed's test split is as large, so the pooled proportion is that mean), as
 * the recipe reports it.
 */
final class SpamReport {
    private SpamReport() {
    }

    /** What a variant's seeds add up to. */
    record Summary(double accuracy, Interval interval, double baseline, double ratio, double seconds,
                   double tokensPerSecond, double modelFlopsPerSecond, double peakFlopsPerSecond) {
        double mfu() {
            return modelFlopsPerSecond / peakFlopsPerSecond;
        }
    }

    static Summary summary(List<SeedRun> runs) {
        long correct = 0;
        long examples = 0;
        double accuracy = 0;
        double baseline = 0;
        double seconds = 0;
        double[] tokens = new double[runs.size()];
        double[] flops = new double[runs.size()];
        double[] peaks = new double[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            SeedRun r = runs.get(i);
            correct += r.correct();
            examples += r.examples();
            accuracy += r.accuracy() / runs.size();
            baseline += r.baselineAccuracy() / runs.size();
            seconds += r.seconds() / runs.size();
            tokens[i] = r.tokensPerSecond();
            flops[i] = r.modelFlopsPerSecond();
            peaks[i] = r.peakFlopsPerSecond();
        }
        return new Summary(accuracy, Intervals.wilson(correct, examples), baseline, accuracy / baseline, seconds,
                Timing.median(tokens), Timing.median(flops), Timing.median(peaks));
    }

    static String seedLine(Variant v, SeedRun r) {
        Interval ci = Intervals.wilson(r.correct(), r.examples());
        return String.format(Locale.ROOT, "%s seed %d: test accuracy %.4f [%.4f, %.4f] (%d/%d), naive Bayes %.4f; "
                        + "%d epochs (best %d), %.1f s, %.1f tokens/s, sgemm peak %.2f GFLOP/s", v.name(), r.seed(),
                r.accuracy(), ci.low(), ci.high(), r.correct(), r.examples(), r.baselineAccuracy(), r.epochs(),
                r.bestEpoch(), r.seconds(), r.tokensPerSecond(), r.peakFlopsPerSecond() / 1e9);
    }

    static List<String> table(Map<Variant, List<SeedRun>> results) {
        List<String> lines = new ArrayList<>();
        lines.add("(accuracy: mean over seeds, 95% Wilson interval over the seeds' pooled test mails; naive Bayes on "
                + "the same splits; s and tokens/s: a seed's training epochs incl. validation, mean and median; "
                + "MFU: 6N+12LTC model FLOP/s, N without embeddings, vs the sgemm peak measured around each fine-tune)");
        lines.add(String.format(Locale.ROOT, "%-44s %5s %9s %17s %9s %7s %8s %9s %6s", "variant", "seeds", "accuracy",
                "95% CI", "n. Bayes", "ratio", "s", "tokens/s", "MFU"));
        results.forEach((v, runs) -> {
            Summary s = summary(runs);
            lines.add(String.format(Locale.ROOT, "%-44s %5d %9.4f %17s %9.4f %7.4f %8.1f %9.1f %5.1f%%", v.name(),
                    runs.size(), s.accuracy(), "[%.4f, %.4f]".formatted(s.interval().low(), s.interval().high()),
                    s.baseline(), s.ratio(), s.seconds(), s.tokensPerSecond(), 100 * s.mfu()));
        });
        return lines;
    }

    static String benchLine(Variant v, List<SeedRun> runs) {
        Summary s = summary(runs);
        return String.format(Locale.ROOT, "bench: spam variant=%s seeds=%d accuracy=%.4f ci_low=%.4f ci_high=%.4f "
                        + "baseline=%.4f ratio=%.4f vs naive-bayes tokens_per_s=%.1f model_gflops=%.2f "
                        + "peak_gflops=%.2f mfu=%.4f vs sgemm_peak", v.name(), runs.size(), s.accuracy(),
                s.interval().low(), s.interval().high(), s.baseline(), s.ratio(), s.tokensPerSecond(),
                s.modelFlopsPerSecond() / 1e9, s.peakFlopsPerSecond() / 1e9, s.mfu());
    }

    /** A learning rate as typed: 1e-4 stays 1.0E-4's plain form, 0.0001. */
    static String number(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
