package dev.llmmesh.mesh.eval;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** What an evaluation measures; its wire name is what clients write in {@code task}. */
public enum EvalTask {
    /** Loss and perplexity of held-out text over sliding token windows. */
    PERPLEXITY("perplexity", "perplexity", false),
    /** Accuracy, per-class precision/recall/F1 and the confusion matrix of a classifier. */
    CLASSIFICATION("classification", "accuracy", true),
    /** BLEU, ROUGE and exact match of generated answers against references. */
    GENERATION("generation", "rougeL", true),
    /** Log-likelihood multiple choice, lm-eval-harness's acc and acc_norm. */
    MULTIPLE_CHOICE("multiple-choice", "acc", true),
    /** A served model scores the answers 0-100 (or, pairwise, prefers one of two). */
    JUDGE("judge", "score", true);

    private final String wireName;
    private final String primaryMetric;
    private final boolean higherIsBetter;

    EvalTask(String wireName, String primaryMetric, boolean higherIsBetter) {
        this.wireName = wireName;
        this.primaryMetric = primaryMetric;
        this.higherIsBetter = higherIsBetter;
    }

    /** The figure models are ranked by on a leaderboard. */
    public String primaryMetric() {
        return primaryMetric;
    }

    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    public static Optional<EvalTask> named(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }

    @JsonCreator
    static EvalTask fromWire(String name) {
        return named(name).orElseThrow(() -> new IllegalArgumentException("unknown task '" + name + "'; known: "
                + names()));
    }

    public static String names() {
        return Arrays.stream(values()).map(EvalTask::wireName).collect(Collectors.joining(", "));
    }
}
