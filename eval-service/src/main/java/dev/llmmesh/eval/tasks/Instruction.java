package dev.llmmesh.eval.tasks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.eval.AlpacaPrompt;

/** An Alpaca row: the instruction (and input) a model answers, and the reference answer. */
record Instruction(String instruction, String input, String reference) {
    Instruction {
        if (instruction == null || instruction.isBlank() || reference == null) {
            throw new IllegalArgumentException("a row needs an instruction and an output");
        }
        input = input == null ? "" : input;
    }

    static Instruction of(ObjectNode row) {
        return new Instruction(row.path("instruction").textValue(), row.path("input").textValue(),
                row.path("output").textValue());
    }

    /** The prompt in the format the project's instruction-tuned models are trained on. */
    String prompt() {
        return AlpacaPrompt.of(instruction, input);
    }

    /** The task as a judge reads it: the instruction, and the input when there is one. */
    String task() {
        return input.isEmpty() ? instruction : instruction + "\n\n" + input;
    }
}
