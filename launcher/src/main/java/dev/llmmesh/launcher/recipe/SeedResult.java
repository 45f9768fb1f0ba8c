package dev.llmmesh.launcher.recipe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One fine-tune's outcome, read from its job's result (what {@code GET /v1/jobs/{id}} shows once it succeeded).
 *
 * @param correct   test mails classified right: the confusion matrix's diagonal
 * @param total     test mails: the matrix's sum
 * @param confusion rows gold, columns predicted, in the order of {@code labels}
 */
record SeedResult(long seed, String modelId, List<String> labels, double testAccuracy, double baselineAccuracy,
                  long correct, long total, long[][] confusion, List<Mail> misclassified, int epochs, int bestEpoch,
                  Duration took) {
    /** A test mail the classifier got wrong. */
    record Mail(String text, String gold, String predicted, Map<String, Double> probabilities) {
    }

    /** Test mails the naive-Bayes baseline got right, from its accuracy on the same {@link #total} mails. */
    long baselineCorrect() {
        return Math.round(baselineAccuracy * total);
    }

    static SeedResult from(long seed, Map<String, Object> result, Duration took) {
        List<String> labels = strings(required(result, "labels"));
        long[][] confusion = matrix(required(result, "confusion"), labels.size());
        long correct = 0;
        long total = 0;
        for (int i = 0; i < confusion.length; i++) {
            for (int j = 0; j < confusion.length; j++) {
                total += confusion[i][j];
                correct += i == j ? confusion[i][j] : 0;
            }
        }
        List<Mail> mails = new ArrayList<>();
        if (result.get("misclassified") instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Map<?, ?> mail) {
                    mails.add(new Mail(String.valueOf(mail.get("text")), label(mail.get("gold"), labels),
                            label(mail.get("predicted"), labels), probabilities(mail.get("probabilities"), labels)));
                }
            }
        }
        return new SeedResult(seed, String.valueOf(required(result, "modelId")), labels,
                number(result, "testAccuracy"), number(result, "baselineAccuracy"), correct, total, confusion, mails,
                (int) optional(result, "epochs"), (int) optional(result, "bestEpoch"), took);
    }

    private static Object required(Map<String, Object> result, String key) {
        Object value = result.get(key);
        if (value == null) {
            throw new IllegalStateException("the fine-tune's result has no '" + key + "': " + result.keySet());
        }
        return value;
    }

    private static double number(Map<String, Object> result, String key) {
        if (required(result, key) instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalStateException("the fine-tune's result has a '" + key + "' that is not a number: "
                + result.get(key));
    }

    private static double optional(Map<String, Object> result, String key) {
        return result.get(key) instanceof Number n ? n.doubleValue() : 0;
    }

    private static List<String> strings(Object value) {
        if (!(value instanceof List<?> list)) {
            throw new IllegalStateException("labels must be a list, got " + value);
        }
        return list.stream().map(String::valueOf).toList();
    }

    private static long[][] matrix(Object value, int n) {
        long[][] m = new long[n][n];
        if (!(value instanceof List<?> rows) || rows.size() != n) {
            throw new IllegalStateException("confusion must be " + n + " rows, got " + value);
        }
        for (int i = 0; i < n; i++) {
            if (!(rows.get(i) instanceof List<?> row) || row.size() != n) {
                throw new IllegalStateException("confusion row " + i + " must have " + n + " counts, got " + rows.get(i));
            }
            for (int j = 0; j < n; j++) {
                m[i][j] = ((Number) row.get(j)).longValue();
            }
        }
        return m;
    }

    /** A label as the result names it, or as its index into {@code labels}. */
    private static String label(Object value, List<String> labels) {
        if (value instanceof Number n && n.intValue() >= 0 && n.intValue() < labels.size()) {
            return labels.get(n.intValue());
        }
        return String.valueOf(value);
    }

    /** {@code {"ham": 0.1, "spam": 0.9}}, or a list in the order of {@code labels}. */
    private static Map<String, Double> probabilities(Object value, List<String> labels) {
        Map<String, Double> p = new LinkedHashMap<>();
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> p.put(String.valueOf(k), ((Number) v).doubleValue()));
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size() && i < labels.size(); i++) {
                p.put(labels.get(i), ((Number) list.get(i)).doubleValue());
            }
        }
        return p;
    }
}
