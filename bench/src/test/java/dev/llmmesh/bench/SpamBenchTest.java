package dev.llmmesh.bench;

import dev.llmmesh.bench.SpamBench.SeedRun;
import dev.llmmesh.bench.SpamBench.Variant;
import dev.llmmesh.core.finetune.ClassificationData.Example;
import dev.llmmesh.core.finetune.Pooling;
import dev.llmmesh.core.finetune.Trainable;
import dev.llmmesh.core.finetune.Truncation;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpamBenchTest {

    @Test
    void listsOfSettingsBecomeEveryCombinationBaseStepsOutermost() {
        SpamBench bench = new SpamBench();
        new CommandLine(bench).parseArgs("--trainable", "head,all", "--base-steps", "0,100", "--lr", "1e-4,5e-4",
                "--seeds", "1,2,3", "--max-length", "128");
        List<Variant> variants = bench.variants();
        assertEquals(8, variants.size());
        assertEquals(new Variant(0, Trainable.HEAD, Pooling.LAST, 1e-4, null, 5, 128, Truncation.HEAD, null),
                variants.get(0));
        assertEquals(new Variant(0, Trainable.HEAD, Pooling.LAST, 5e-4, null, 5, 128, Truncation.HEAD, null),
                variants.get(1));
        assertEquals(new Variant(100, Trainable.ALL, Pooling.LAST, 5e-4, null, 5, 128, Truncation.HEAD, null),
                variants.get(7));
        assertEquals(List.of(1L, 2L, 3L), bench.seeds);
        assertEquals("base100/all/last/lr0.0005/e5/len128", variants.get(7).name());
        SpamBench both = new SpamBench();
        new CommandLine(both).parseArgs("--pooling", "last,mean", "--trainable", "all");
        assertEquals(List.of(Pooling.LAST, Pooling.MEAN), both.variants().stream().map(Variant::pooling).toList());
        SpamBench truncations = new SpamBench();
        new CommandLine(truncations).parseArgs("--truncation", "head,head-tail", "--trainable", "all");
        assertEquals(List.of("base400/all/last/lr0.0001/e5/len256", "base400/all/last/lr0.0001/e5/len256-head-tail"),
                truncations.variants().stream().map(Variant::name).toList());
        SpamBench dropouts = new SpamBench();
        new CommandLine(dropouts).parseArgs("--dropout", "0,0.1", "--max-length", "128", "--min-lr", "0");
        assertEquals(List.of("base400/last-block/last/lr0.0001-cos0/e5/len128/drop0",
                "base400/last-block/last/lr0.0001-cos0/e5/len128/drop0.1"),
                dropouts.variants().stream().map(Variant::name).toList());
        // the recipe's base shape by default
        assertEquals(new SpamBase(256, 6, 4, 256, 8, 400), bench.base(400));
    }

    @Test
    void refusesALengthBeyondTheContextAndRepeatedSeeds() {
        SpamBench tooLong = new SpamBench();
        new CommandLine(tooLong).parseArgs("--max-length", "300");
        assertThrows(IllegalArgumentException.class, tooLong::check);
        SpamBench repeated = new SpamBench();
        new CommandLine(repeated).parseArgs("--seeds", "1,1");
        assertThrows(IllegalArgumentException.class, repeated::check);
        SpamBench unknown = new SpamBench();
        new CommandLine(unknown).parseArgs("--trainable", "last-two");
        assertThrows(IllegalArgumentException.class, unknown::variants);
        SpamBench unknownPooling = new SpamBench();
        new CommandLine(unknownPooling).parseArgs("--pooling", "max");
        assertThrows(IllegalArgumentException.class, unknownPooling::variants);
    }

    @Test
    void balancesThenSplitsEachLabel701020() {
        List<SpamSplit.Row> rows = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            // 2,500 ham and 500 spam, interleaved, as the bundled set's counts
            rows.add(new SpamSplit.Row("mail " + i, i % 6 == 5 ? "spam" : "ham"));
        }
        SpamSplit split = SpamSplit.of(rows, true, 42);
        assertEquals(List.of("ham", "spam"), split.labels());
        assertEquals(700, split.train().size());
        assertEquals(100, split.validation().size());
        assertEquals(200, split.test().size());
        for (List<Example> part : List.of(split.train(), split.validation(), split.test())) {
            long spam = part.stream().filter(e -> e.label() == 1).count();
            assertEquals(part.size() / 2, spam, "each split is half spam");
            assertTrue(isInFileOrder(part));
        }
        Set<String> all = new HashSet<>();
        for (List<Example> part : List.of(split.train(), split.validation(), split.test())) {
            part.forEach(e -> assertTrue(all.add(e.text()), "a mail in two splits: " + e.text()));
        }
        assertEquals(1000, all.size());
        // every spam mail is kept (the rarer label), 500 of the ham
        assertEquals(500, all.stream().filter(t -> Integer.parseInt(t.substring(5)) % 6 == 5).count());

        assertEquals(split, SpamSplit.of(rows, true, 42));
        assertNotEquals(split.test(), SpamSplit.of(rows, true, 43).test());
        assertEquals(3000, sizeOf(SpamSplit.of(rows, false, 42)));
    }

    @Test
    void aVariantsAccuracyIsTheSeedsMeanWithAPooledWilsonInterval() {
        Variant v = new Variant(100, Trainable.LAST_BLOCK, Pooling.MEAN, 2e-4, null, 5, 256, Truncation.HEAD, null);
        List<SeedRun> runs = List.of(
                new SeedRun(1, 190, 200, 193, 5, 4, 100, 800, 20e9, 100e9),
                new SeedRun(2, 192, 200, 195, 5, 5, 110, 700, 18e9, 90e9),
                new SeedRun(3, 194, 200, 194, 5, 3, 120, 900, 22e9, 110e9));
        // Wilson 95% for 576 of 600, by hand from Wilson (1927)'s formula with z = 1.959963984540054:
        // centre (p + z^2/2n) / (1 + z^2/n), half z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2) -> [0.94117, 0.97297]
        assertEquals("bench: spam variant=base100/last-block/mean/lr0.0002/e5/len256 seeds=3 accuracy=0.9600 "
                + "ci_low=0.9412 ci_high=0.9730 baseline=0.9700 ratio=0.9897 vs naive-bayes tokens_per_s=800.0 "
                + "model_gflops=20.00 peak_gflops=100.00 mfu=0.2000 vs sgemm_peak", SpamReport.benchLine(v, runs));
        assertTrue(SpamReport.seedLine(v, runs.get(0)).contains("test accuracy 0.9500 [0.9104, 0.9726] (190/200), "
                + "naive Bayes 0.9650"));
    }

    private static int sizeOf(SpamSplit split) {
        return split.train().size() + split.validation().size() + split.test().size();
    }

    private static boolean isInFileOrder(List<Example> part) {
        for (int i = 1; i < part.size(); i++) {
            if (Integer.parseInt(part.get(i - 1).text().substring(5)) >= Integer.parseInt(part.get(i).text()
                    .substring(5))) {
                return false;
            }
        }
        return true;
    }
}
