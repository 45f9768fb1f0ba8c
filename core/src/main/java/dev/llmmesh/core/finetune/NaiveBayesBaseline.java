package dev.llmmesh.core.finetune;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simple baseline a fine-tuned classifier must beat: multinomial naive Bayes over lower-cased word tokens with
 * add-one (Laplace) smoothing, as in Manning, Raghavan &amp; Schütze, <i>Introduction to Information Retrieval</i>,
 * section 13.2. Class priors are document frequencies; a word's likelihood in a class is
 * {@code (count + 1) / (tokens in class + vocabulary)}; words never seen in training are ignored at prediction.
 * Scores are sums of logarithms, so long mails do not underflow.
 */
public final class NaiveBayesBaseline {
    /** Runs of letters and digits, an apostrophe inside a word kept: "FREE" and "free" are one word, "don't" one. */
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+(?:'[\\p{L}\\p{N}]+)*");

    private final int classes;
    private final double[] logPriors;
    private final Map<String, double[]> logLikelihoods;

    private NaiveBayesBaseline(int classes, double[] logPriors, Map<String, double[]> logLikelihoods) {
        this.classes = classes;
        this.logPriors = logPriors;
        this.logLikelihoods = logLikelihoods;
    }

    /**
     * @param texts   the training documents
     * @param labels  each document's class in [0, classes)
     * @param classes how many classes there are; a class without documents is never predicted
     */
    public static NaiveBayesBaseline train(List<String> texts, int[] labels, int classes) {
        if (texts.size() != labels.length) {
            throw new IllegalArgumentException(texts.size() + " texts but " + labels.length + " labels");
        }
        if (texts.isEmpty() || classes < 1) {
            throw new IllegalArgumentException("naive Bayes needs at least one document and one class");
        }
        long[] documents = new long[classes];
        long[] tokens = new long[classes];
        Map<String, long[]> counts = new HashMap<>();
        for (int i = 0; i < labels.length; i++) {
            int c = labels[i];
            if (c < 0 || c >= classes) {
                throw new IllegalArgumentException("label of document " + i + " is " + c + ", outside [0, "
                        + classes + ")");
            }
            documents[c]++;
            for (String word : words(texts.get(i))) {
                counts.computeIfAbsent(word, w -> new long[classes])[c]++;
                tokens[c]++;
            }
        }
        int vocabulary = counts.size();
        double[] logPriors = new double[classes];
        for (int c = 0; c < classes; c++) {
            logPriors[c] = documents[c] == 0 ? Double.NEGATIVE_INFINITY
                    : Math.log((double) documents[c] / labels.length);
        }
        Map<String, double[]> logLikelihoods = new HashMap<>();
        counts.forEach((word, perClass) -> {
            double[] logs = new double[classes];
            for (int c = 0; c < classes; c++) {
                logs[c] = Math.log((perClass[c] + 1.0) / (tokens[c] + vocabulary));
            }
            logLikelihoods.put(word, logs);
        });
        return new NaiveBayesBaseline(classes, logPriors, logLikelihoods);
    }

    /** The log prior plus the log likelihood of every known word, per class (unnormalised log posteriors). */
    public double[] scores(String text) {
        double[] scores = logPriors.clone();
        for (String word : words(text)) {
            double[] logs = logLikelihoods.get(word);
            if (logs != null) {
                for (int c = 0; c < classes; c++) {
                    scores[c] += logs[c];
                }
            }
        }
        return scores;
    }

    /** The most probable class, the lowest index of equals. */
    public int predict(String text) {
        double[] scores = scores(text);
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (scores[c] > scores[best]) {
                best = c;
            }
        }
        return best;
    }

    /** Distinct words seen in training. */
    public int vocabularySize() {
        return logLikelihoods.size();
    }

    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            words.add(m.group());
        }
        return words;
    }
}
