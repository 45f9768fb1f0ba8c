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
        description = "Upload Moby-Dick, train a BPE tokenizer on it, tokenize the book with it and with GPT-2, "
                + "compare, then pretrain a small GPT on the tokenized book and publish it; all through the gateway's "
                + "HTTP API on :8080, as any client would. "
                + "Brings the stack up first if needed, and down again afterwards if it did.")
public final class DemoCommand implements Callable<Integer> {
    @Mixin
    private StackOptions options;

    @Option(names = "--vocab-size", defaultValue = "4096", description = "size of the new tokenizer (default: ${DEFAULT-VALUE})")
    private int vocabSize;

    @Option(names = "--shard-bytes", defaultValue = "131072",
            description = "bytes of text per tokenization shard (default: ${DEFAULT-VALUE})")
    private long shardBytes;

    /** 300: about 10 s on two idle cores, and still under two minutes when other jobs share them (3 steps/s). */
    @Option(names = "--train-steps", defaultValue = "300",
            description = "optimizer steps of the pretrain job (the tiny model makes 3 to 30 a second on two cores); "
                    + "0 skips pretraining (default: ${DEFAULT-VALUE})")
    private int trainSteps;

    @Option(names = "--model", defaultValue = "tiny",
            description = "the trainer's model config: tiny, gpt2, gpt2-medium, ... (default: ${DEFAULT-VALUE})")
    private String model;

    @Option(names = "--context", defaultValue = "256",
            description = "context of the tiny model in tokens, long enough for a chat prompt and its answer "
                    + "(default: ${DEFAULT-VALUE})")
    private int context;

    @Option(names = "--job-timeout", defaultValue = "600",
            description = "seconds a job may take before the demo gives up (default: ${DEFAULT-VALUE})")
    private long jobTimeoutSeconds;

    @Option(names = "--keep-up", description = "leave the stack running even if the demo started it")
    private boolean keepUp;

    @Override
    public Integer call() {
        var settings = new DemoSettings(vocabSize, shardBytes, trainSteps, model, context, Duration.ofSeconds(jobTimeoutSeconds),
                keepUp);
        return new Demo(options.config(), settings, System.out).run();
    }
}
