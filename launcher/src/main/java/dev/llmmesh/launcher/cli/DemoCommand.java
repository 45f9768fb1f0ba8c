package dev.llmmesh.launcher.cli;

import dev.llmmesh.launcher.StackOptions;
import dev.llmmesh.launcher.demo.Demo;
import dev.llmmesh.launcher.demo.DemoSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train a BPE tokenizer on Moby-Dick, tokenize the book with it and with GPT-2, and compare. "
                + "Brings the stack up first if needed, and down again afterwards if it did.")
public final class DemoCommand implements Callable<Integer> {
    @Mixin
    private StackOptions options;

    @Option(names = "--vocab-size", defaultValue = "4096", description = "size of the new tokenizer (default: ${DEFAULT-VALUE})")
    private int vocabSize;

    @Option(names = "--shard-bytes", defaultValue = "131072",
            description = "bytes of text per tokenization shard (default: ${DEFAULT-VALUE})")
    private long shardBytes;

    @Option(names = "--job-timeout", defaultValue = "600",
            description = "seconds a job may take before the demo gives up (default: ${DEFAULT-VALUE})")
    private long jobTimeoutSeconds;

    @Option(names = "--keep-up", description = "leave the stack running even if the demo started it")
    private boolean keepUp;

    @Override
    public Integer call() {
        var settings = new DemoSettings(vocabSize, shardBytes, Duration.ofSeconds(jobTimeoutSeconds), keepUp);
        return new Demo(options.config(), settings, System.out).run();
    }
}
