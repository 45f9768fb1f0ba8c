package dev.llmmesh.inference.engine;

import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;
import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;
import dev.llmmesh.mesh.inference.CompletionRequest;

import java.util.List;

/**
 * Turns a request into what a decoder takes: the prompt's tokens and the sampling settings, or the error the
 * client gets instead (bad settings, a prompt and completion that do not fit the model's positions).
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
        if (request.prompt() == null) {
            return new Refused(CompletionErrors.invalid("prompt", "prompt is required"));
        }
        // Checked before anything is sized by it: every choice is decoded, and held, here.
        if (request.n() > CompletionRequest.MAX_N) {
            return new Refused(CompletionErrors.invalid("n", "n must be at most " + CompletionRequest.MAX_N + ", got "
                    + request.n() + "; send several requests for more samples"));
        }
        Integer endOfText = tokenizer.specialTokens().get(END_OF_TEXT);
        // A prompt is a document in the model's own format, separators included.
        int[] prompt = tokenizer.encode(request.prompt(), SpecialTokenPolicy.ALLOW_ALL);
        if (prompt.length == 0) {
            if (endOfText == null) {
                return new Refused(CompletionErrors.invalid("prompt", "the prompt is empty and the model's tokenizer"
                        + " has no " + END_OF_TEXT + " to start from"));
            }
            // As OpenAI does: an empty prompt is the start of a document.
            prompt = new int[] {endOfText};
        }
        if (prompt.length > capacity) {
            return new Refused(CompletionErrors.promptTooLong(prompt.length, capacity));
        }
        // No max_tokens (chat's default): up to the context, what is left of it after the prompt.
        int maxTokens = request.maxTokens() == null ? capacity - prompt.length : request.maxTokens();
        SamplingParams params;
        try {
            params = SamplingParams.builder().maxTokens(maxTokens).temperature(request.temperature())
                    .topK(request.topK()).topP(request.topP()).minP(request.minP())
                    .repetitionPenalty(request.repetitionPenalty()).presencePenalty(request.presencePenalty())
                    .frequencyPenalty(request.frequencyPenalty()).stop(request.stop())
                    .stopTokenIds(endOfText == null ? List.of() : List.of(endOfText)).seed(request.seed())
                    .n(request.n()).logprobs(request.logprobs()).echo(request.echo()).build();
        } catch (IllegalArgumentException e) {
            // SamplingParams names the field first, as the API spells it ("top_p must be in (0, 1]...").
            String message = e.getMessage();
            return new Refused(CompletionErrors.invalid(message.split(" ", 2)[0], message));
        }
        if ((long) prompt.length + params.maxTokens() > capacity) {
            return new Refused(CompletionErrors.contextLengthExceeded(prompt.length, params.maxTokens(), capacity));
        }
        return new Admitted(prompt, params);
    }
}
