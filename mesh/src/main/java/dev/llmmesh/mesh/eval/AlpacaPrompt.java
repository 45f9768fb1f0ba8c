package dev.llmmesh.mesh.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * The Alpaca format that llm-mesh's instruction-tuned models are trained on, the one template of both the gateway's
 * chat endpoint and eval-service's instructions: the preamble (a chat's system message in its place), then
 * {@code ### } sections, each ended by a blank line ({@code ### Instruction:}, {@code ### Input:} when there is
 * input, {@code ### Response:} for an earlier answer in a chat), and last the {@code ### Response:} header the
 * answer follows. The next {@code ### } header ends an answer.
 */
public final class AlpacaPrompt {
    public static final String PREAMBLE = "Below is an instruction that describes a task. Write a response that "
            + "appropriately completes the request.";
    /** Where the model would start a new section by itself: the answer is over. */
    public static final String STOP = "\n### ";

    private AlpacaPrompt() {
    }

    /** One section of the prompt: its header and its text. */
    public record Section(String header, String text) {
        public static Section instruction(String text) {
            return new Section("Instruction", text);
        }

        public static Section input(String text) {
            return new Section("Input", text);
        }

        /** An answer already given, as a chat's earlier assistant turn. */
        public static Section response(String text) {
            return new Section("Response", text);
        }
    }

    /** An instruction and, when not empty, its input, under the standard preamble. */
    public static String of(String instruction, String input) {
        List<Section> sections = new ArrayList<>(2);
        sections.add(Section.instruction(instruction));
        if (input != null && !input.isEmpty()) {
            sections.add(Section.input(input));
        }
        return sections(PREAMBLE, sections);
    }

    /** The prompt whose continuation is the answer to {@code sections}. */
    public static String sections(String preamble, List<Section> sections) {
        StringBuilder prompt = new StringBuilder(preamble).append("\n\n");
        for (Section section : sections) {
            header(prompt, section.header()).append(section.text()).append("\n\n");
        }
        return header(prompt, "Response").toString();
    }

    private static StringBuilder header(StringBuilder prompt, String name) {
        return prompt.append("### ").append(name).append(":\n");
    }
}
