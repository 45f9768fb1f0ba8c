package dev.llmmesh.launcher.cli;

import dev.llmmesh.launcher.StackOptions;
import dev.llmmesh.launcher.recipe.BaseModelSpec;
import dev.llmmesh.launcher.recipe.SpamRecipe;
import dev.llmmesh.launcher.recipe.SpamSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "spam", mixinStandardHelpOptions = true,
        description = "Pretrain the recipes' shared base model on the bundled books with the GPT-2 tokenizer (once; "
                + "about 20 minutes on two cores, reused after), upload the bundled SpamAssassin mails, fine-tune a "
                + "spam classifier once per seed, and print the test accuracy beside a naive-Bayes baseline, the "
                + "confusion matrix, misclassified mails and the curl line for /v1/classify; all through the "
                + "gateway's HTTP API on :8080. Brings the stack up first if needed, and down again afterwards if it did.")
public final class SpamRecipeCommand implements Callable<Integer> {
    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Mixin
    private StackOptions options;

    @Option(names = "--seeds", split = ",", defaultValue = "1,2,3", paramLabel = "SEED",
            description = "one fine-tune per seed (split, balancing, head and order) (default: ${DEFAULT-VALUE})")
    private List<Long> seeds;

    @Option(names = "--trainable", defaultValue = SpamSettings.DEFAULT_TRAINABLE, paramLabel = "WHAT",
            description = "what the fine-tune trains: head, last-block or all (default: ${DEFAULT-VALUE})")
    private String trainable;

    @Option(names = "--pooling", defaultValue = SpamSettings.DEFAULT_POOLING, paramLabel = "HOW",
            description = "what the classifier's head reads: mean (of the mail's tokens) or last (token, as the book "
                    + "and HuggingFace) (default: ${DEFAULT-VALUE})")
    private String pooling;

    @Option(names = "--epochs", paramLabel = "N", description = "passes over the training mails (default: 4 for all, 5 otherwise)")
    private Integer epochs;

    @Option(names = "--max-length", paramLabel = "TOKENS", description = "tokens of a mail the classifier reads "
            + "(default: " + SpamSettings.DEFAULT_MAX_LENGTH + "; at most the base's context of 256)")
    private Integer maxLength;

    @Option(names = "--truncation", defaultValue = SpamSettings.DEFAULT_TRUNCATION, paramLabel = "HOW",
            description = "which tokens of a longer mail the classifier reads: head-tail (its first and last halves of "
                    + "--max-length) or head (the first) (default: ${DEFAULT-VALUE})")
    private String truncation;

    @Option(names = "--base-steps", defaultValue = "" + BaseModelSpec.DEFAULT_STEPS, paramLabel = "N",
            description = "pretraining steps of the base model; another value makes (and reuses) a base of its own, "
                    + "e.g. a few for a quick try (default: ${DEFAULT-VALUE})")
    private int baseSteps;

    @Option(names = "--job-timeout", defaultValue = "2400", paramLabel = "SECONDS",
            description = "seconds a job may take before the recipe gives up (default: ${DEFAULT-VALUE})")
    private long jobTimeoutSeconds;

    @Option(names = "--keep-up", description = "leave the stack running even if the recipe started it")
    private boolean keepUp;

    /** What the options say, checked; the command's only logic, so that it is testable without a stack. */
    SpamSettings settings() {
        return new SpamSettings(seeds, trainable, pooling, epochs, maxLength, truncation,
                BaseModelSpec.DEFAULT.withSteps(baseSteps), Duration.ofSeconds(jobTimeoutSeconds), keepUp);
    }

    @Override
    public Integer call() {
        SpamSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            // picocli prints a bad option as a usage error (exit 2) with the hint to --help, not a stack trace.
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        return new SpamRecipe(options.config(), settings, System.out).run();
    }
}
