package dev.llmmesh.inference.engine;

import dev.llmmesh.core.generate.BatchDecoder;
import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;
import dev.llmmesh.mesh.inference.CompletionRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a request into what a decoder takes: the prompt's tokens and the sampling settings, or the error the
 * client gets instead (a prompt and completion that do not fit the model's positions). The settings arrive checked
 * ({@link SamplingParams} refuses a bad value as it is read); admission adds only what depends on the model.
 */
final class Admission {
    /** GPT-2's document separator: generating it ends a completion, and it stands in for an empty prompt. */
    static final String END_OF_TEXT = "<|endoftext|>";

    sealed interface Outcome permits Admitted, Refused {
    }

    record Admitted(int[] prompt, SamplingParams params) implements Outcome {
    }

    record Refused(InferenceError error) implements Outcome {
    }

    private Admission() {
    }

    /** @param capacity positions a sequence may take in this replica's decoder */
    static Outcome admit(CompletionRequest request, Tokenizer tokenizer, int capacity) {
        if (request.prompt() == null && request.promptTokens() == null) {
            return new Refused(CompletionErrors.invalid("prompt", "prompt or promptTokens is required"));
        }
        SamplingParams asked = request.sampling();
        if (asked == null) {
            return new Refused(CompletionErrors.invalid("sampling", "sampling is required (the gateway always sends"
                    + " it; a request without it comes from an incompatible sender)"));
        }
        // Checked before anything is sized by it: every choice is decoded, and held, here.
        if (asked.n() > CompletionRequest.MAX_N) {
            return new Refused(CompletionErrors.invalid("n", "n must be at most " + CompletionRequest.MAX_N + ", got "
                    + asked.n() + "; send several requests for more samples"));
        }
        Integer endOfText = tokenizer.specialTokens().get(END_OF_TEXT);
        // A prompt is a document in the model's own format, separators included.
        int[] prompt;
        if (request.promptTokens() != null) {
            prompt = request.promptTokens().stream().mapToInt(Integer::intValue).toArray();
            int vocab = tokenizer.vocabSize();
            for (int i = 0; i < prompt.length; i++) {
                if (prompt[i] < 0 || prompt[i] >= vocab) {
                    return new Refused(CompletionErrors.invalid("prompt", "token " + prompt[i] + " at position " + i
                            + " is not in the model's vocabulary of " + vocab + " tokens"));
                }
            }
        } else {
            prompt = tokenizer.encode(request.prompt(), SpecialTokenPolicy.ALLOW_ALL);
        }
        if (prompt.length == 0) {
            if (endOfText == null) {
                return new Refused(CompletionErrors.invalid("prompt", "the prompt is empty and the model's tokenizer"
                        + " has no " + END_OF_TEXT + " to start from"));
            }
            // As OpenAI does: an empty prompt is the start of a document.
            prompt = new int[] {endOfText};
        }
        // A prompt only scored may hold one token more than the positions: its last token is only a target.
        int longest = BatchDecoder.maxPrompt(capacity, asked.toBuilder().maxTokens(
                request.untilContextEnd() ? 1 : asked.maxTokens()).build());
        if (prompt.length > longest) {
            return new Refused(CompletionErrors.promptTooLong(prompt.length, longest));
        }
        // What only the model knows: what is left of its context after the prompt (with no max_tokens, chat's
        // default), its end-of-text token as a stop, and a seed when the sender gave none.
        int maxTokens = request.untilContextEnd() ? capacity - prompt.length : asked.maxTokens();
        List<Integer> stopTokenIds = new ArrayList<>(asked.stopTokenIds());
        if (endOfText != null && !stopTokenIds.contains(endOfText)) {
            stopTokenIds.add(endOfText);
        }
        SamplingParams params = asked.toBuilder().maxTokens(maxTokens).stopTokenIds(stopTokenIds)
                .seed(asked.seed() != null ? asked.seed() : ThreadLocalRandom.current().nextLong()).build();
        if (params.maxTokens() > 0 && (long) prompt.length + params.maxTokens() > capacity) {
            return new Refused(CompletionErrors.contextLengthExceeded(prompt.length, params.maxTokens(), capacity));
        }
        return new Admitted(prompt, params);
    }
}
