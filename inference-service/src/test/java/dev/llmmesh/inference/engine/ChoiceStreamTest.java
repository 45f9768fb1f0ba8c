package dev.llmmesh.inference.engine;

import dev.llmmesh.core.generate.FinishReason;
import dev.llmmesh.core.generate.SequenceOutput;
import dev.llmmesh.core.generate.StepEvent;
import dev.llmmesh.core.generate.TokenLogprob;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.mesh.inference.CompletionChunk;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How a choice lists a generated stop token: left out of the text, but listed when the prompt is scored. */
class ChoiceStreamTest {
    private static final int END_OF_TEXT = 50256;
    private static final int[] PROMPT = {464, 2068, 7586};
    private static final Tokenizer GPT2 = Gpt2Vocabulary.gpt2();

    private static CompletionChunk generateEndOfText(boolean echo, boolean logprobs) {
        ChoiceStream choice = new ChoiceStream("r", 0, "replica", GPT2, Set.of(END_OF_TEXT), logprobs,
                echo ? PROMPT : null, true);
        List<TokenLogprob> scored = Arrays.asList(null, new TokenLogprob(2068, -1f, List.of()),
                new TokenLogprob(7586, -2f, List.of()));
        TokenLogprob generated = new TokenLogprob(END_OF_TEXT, -0.5f, List.of());
        SequenceOutput output = new SequenceOutput(0, PROMPT, new int[] {END_OF_TEXT}, "", List.of(generated),
                echo ? scored : null, FinishReason.STOP, 0);
        choice.add(new StepEvent(0, END_OF_TEXT, "", generated, FinishReason.STOP, output), 0);
        return choice.take(new CompletionChunk.Usage(PROMPT.length, 1));
    }

    @Test
    void aScoredPromptListsTheGeneratedEndOfTextSoScorersCanDropTheLastTokenBlindly() {
        CompletionChunk chunk = generateEndOfText(true, true);
        assertEquals(List.of(464, 2068, 7586), chunk.echo().stream().map(CompletionChunk.TokenInfo::id).toList());
        assertEquals(List.of(END_OF_TEXT), chunk.tokens().stream().map(CompletionChunk.TokenInfo::id).toList());
        assertEquals(-0.5f, chunk.tokens().getFirst().logprob());
        assertEquals("", chunk.text(), "the stop token is never text");
    }

    @Test
    void otherwiseTheStopTokenEndsTheChoiceUnlisted() {
        assertEquals(List.of(), generateEndOfText(false, true).tokens());
        assertEquals(List.of(), generateEndOfText(true, false).tokens());
    }
}
