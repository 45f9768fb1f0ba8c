package dev.llmmesh.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Benchmarks of {@code core} against an anchor measured in the same run, so a figure never stands
 * alone. Each subcommand prints a table and ends with one {@code bench: ...} line for scripts.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        subcommands = {TokenizerEncodeBench.class, TokenizerTrainBench.class, TrainBench.class, DecodeBench.class,
                ServeLatencyBench.class, ServeLoadBench.class, KvPrefixBench.class, ScoreBench.class,
                TrainParityExport.class, SpamBench.class},
        description = "llm-mesh benchmarks; see BENCHMARKS.md at the repository root.")
public final class Bench implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
