package dev.llmmesh.core.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmmesh.core.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Multiple choice by log-likelihood, as lm-eval-harness scores its {@code multiple_choice} tasks: each choice is a
 * continuation of the context, the model's log-likelihood of its tokens is summed, and
 * <ul>
 *   <li>{@code acc}: the choice with the highest log-likelihood is the right one;</li>
 *   <li>{@code acc_norm}: the choice with the highest log-likelihood per UTF-8 byte of its text is. The harness
 *   divides by {@code len(choice)} in Python, which counts characters (code points) of the choice without the
 *   target delimiter; bytes and characters agree for ASCII text, so on ASCII tasks the two are the same figure,
 *   and bytes are what the issue asks for (they do not reward scripts whose characters are many bytes).</li>
 * </ul>
 * Ties go to the lowest index, as numpy's {@code argmax} does.
 *
 * <p>Requests follow the harness's {@code TemplateLM._encode_pair} for decoder-only models: the continuation is
 * {@code " " + choice} (the default {@code target_delimiter}); whitespace at the end of the context moves to the
 * start of the continuation (a GPT-2 style tokenizer attaches a space to the word after it); the context is
 * tokenized alone, the context and continuation together, and the continuation's tokens are those of the whole past
 * the context's token count. Special-token text in the data is tokenized as plain text. An empty context is the
 * tokenizer's {@code <|endoftext|>} token, as the harness's {@code prefix_token_id}.
 */
public final class MultipleChoice {
    public static final String TARGET_DELIMITER = " ";
    private static final ObjectMapper JSON = new ObjectMapper();

    private MultipleChoice() {
    }

    /**
     * A task row, a line of a JSONL task file: {@code {"context": ..., "choices": [...], "label": i}}.
     *
     * @param label index of the right choice
     */
    public record Row(String context, List<String> choices, int label) {
        public Row {
            if (context == null) {
                throw new IllegalArgumentException("context: missing");
            }
            if (choices == null || choices.size() < 2) {
                throw new IllegalArgumentException("choices: need at least two, got "
                        + (choices == null ? "none" : choices.size()));
            }
            for (int i = 0; i < choices.size(); i++) {
                String choice = choices.get(i);
                if (choice == null || choice.isEmpty()) {
                    throw new IllegalArgumentException("choices: choice " + i + " is empty");
                }
            }
            if (label < 0 || label >= choices.size()) {
                throw new IllegalArgumentException("label: " + label + " is not an index into the "
                        + choices.size() + " choices");
            }
            choices = List.copyOf(choices);
        }

        /**
         * Reads one JSONL line.
         *
         * @throws IllegalArgumentException naming the field when the line is not a valid row (callers skip and count)
         */
        public static Row parse(String line) {
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("row: not JSON (" + e.getOriginalMessage() + ")");
            }
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("row: not a JSON object");
            }
            JsonNode context = node.get("context");
            if (context == null || !context.isTextual()) {
                throw new IllegalArgumentException("context: missing or not a string");
            }
            JsonNode choices = node.get("choices");
            if (choices == null || !choices.isArray()) {
                throw new IllegalArgumentException("choices: missing or not an array");
            }
            List<String> texts = new ArrayList<>();
            for (JsonNode choice : choices) {
                if (!choice.isTextual()) {
                    throw new IllegalArgumentException("choices: choice " + texts.size() + " is not a string");
                }
                texts.add(choice.textValue());
            }
            JsonNode label = node.get("label");
            if (label == null || !label.isIntegralNumber() || !label.canConvertToInt()) {
                throw new IllegalArgumentException("label: missing or not an integer");
            }
            return new Row(context.textValue(), texts, label.intValue());
        }
    }

    /**
     * What the model scores for one choice: the log-likelihood of {@code continuationTokens} given
     * {@code contextTokens} (the sum of their log-probabilities when the two are fed as one sequence).
     *
     * @param continuationBytes UTF-8 bytes of the choice's text, what {@code acc_norm} divides by
     */
    public record ChoiceRequest(int[] contextTokens, int[] continuationTokens, int continuationBytes) {
        /** Context then continuation: the sequence a forward pass (or an echo request) is given. */
        public int[] allTokens() {
            int[] all = Arrays.copyOf(contextTokens, contextTokens.length + continuationTokens.length);
            System.arraycopy(continuationTokens, 0, all, contextTokens.length, continuationTokens.length);
            return all;
        }
    }

    /**
     * One example's outcome.
     *
     * @param predicted     the choice with the highest log-likelihood
     * @param predictedNorm the choice with the highest log-likelihood per byte
     */
    public record Score(int label, int predicted, int predictedNorm) {
        public boolean acc() {
            return predicted == label;
        }

        public boolean accNorm() {
            return predictedNorm == label;
        }
    }

    /** The requests of a row's choices, in choice order. */
    public static List<ChoiceRequest> requests(Row row, Tokenizer tokenizer) {
        List<ChoiceRequest> out = new ArrayList<>(row.choices().size());
        for (String choice : row.choices()) {
            out.add(request(row.context(), TARGET_DELIMITER + choice, bytes(choice), tokenizer));
        }
        return out;
    }

    private static ChoiceRequest request(String context, String continuation, int choiceBytes, Tokenizer tokenizer) {
        if (context.isEmpty()) {
            Integer prefix = tokenizer.specialTokens().get("<|endoftext|>");
            if (prefix == null) {
                throw new IllegalArgumentException("context: empty, and tokenizer " + tokenizer.name()
                        + " has no <|endoftext|> to stand for it");
            }
            return new ChoiceRequest(new int[]{prefix}, tokenizer.encodeOrdinary(continuation), choiceBytes);
        }
        int kept = context.length();
        while (kept > 0 && isSpace(context.charAt(kept - 1))) {
            kept--;
        }
        String movedContext = context.substring(0, kept);
        String movedContinuation = context.substring(kept) + continuation;
        int[] contextTokens = tokenizer.encodeOrdinary(movedContext);
        int[] whole = tokenizer.encodeOrdinary(movedContext + movedContinuation);
        int[] continuationTokens = Arrays.copyOfRange(whole, Math.min(contextTokens.length, whole.length),
                whole.length);
        return new ChoiceRequest(contextTokens, continuationTokens, choiceBytes);
    }

    /** Python's {@code str.isspace} for the characters data holds: Java whitespace or a Unicode space (U+00A0). */
    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /**
     * @param choiceLogLikelihoods the summed log-probability of each choice's continuation tokens, in choice order
     */
    public static Score score(Row row, double[] choiceLogLikelihoods) {
        int n = row.choices().size();
        if (choiceLogLikelihoods.length != n) {
            throw new IllegalArgumentException(n + " choices but " + choiceLogLikelihoods.length
                    + " log-likelihoods");
        }
        double[] perByte = new double[n];
        for (int i = 0; i < n; i++) {
            perByte[i] = choiceLogLikelihoods[i] / bytes(row.choices().get(i));
        }
        return new Score(row.label(), argmax(choiceLogLikelihoods), argmax(perByte));
    }

    /** Adds up examples into {@code acc} and {@code acc_norm} (means of 0/1, with Wilson intervals). */
    public static final class Tally {
        private long examples;
        private long correct;
        private long correctNorm;

        public Tally add(Score score) {
            examples++;
            correct += score.acc() ? 1 : 0;
            correctNorm += score.accNorm() ? 1 : 0;
            return this;
        }

        public Accuracy result() {
            if (examples == 0) {
                throw new IllegalStateException("no examples scored");
            }
            return new Accuracy(examples, (double) correct / examples, Intervals.wilson(correct, examples),
                    (double) correctNorm / examples, Intervals.wilson(correctNorm, examples));
        }
    }

    /** A task's figures: {@code acc} and {@code acc_norm} over {@code examples}, each with its 95% interval. */
    public record Accuracy(long examples, double acc, Interval accInterval, double accNorm,
                           Interval accNormInterval) {
    }

    private static int bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
