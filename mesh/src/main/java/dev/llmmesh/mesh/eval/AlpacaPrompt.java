package dev.llmmesh.mesh.eval;

/**
 * An instruction (and its optional input) as the prompt of the Alpaca format that llm-mesh's instruction-tuned
 * models are trained on and its chat endpoint writes (the gateway's ChatPrompt): the preamble, an
 * {@code ### Instruction:} section, an {@code ### Input:} section when there is input, and the
 * {@code ### Response:} header the answer follows. The next {@code ### } header ends an answer.
 */
public final class AlpacaPrompt {
    public static final String PREAMBLE = "Below is an instruction that describes a task. Write a response that "
            + "appropriately completes the request.";
    /** Where the model would start a new section by itself: the answer is over. */
    public static final String STOP = "\n### ";

    private AlpacaPrompt() {
    }

    public static String of(String instruction, String input) {
        StringBuilder prompt = new StringBuilder(PREAMBLE).append("\n\n### Instruction:\n").append(instruction)
                .append("\n\n");
        if (input != null && !input.isEmpty()) {
            prompt.append("### Input:\n").append(input).append("\n\n");
        }
        return prompt.append("### Response:\n").toString();
    }
}
