package dev.llmmesh.core.eval.text;

import java.util.Objects;

/**
 * The fixed prompts of LLM-as-judge (the recipe of chapter 7 of "Build a Large Language Model (From Scratch)":
 * a stronger model, asked at temperature 0 with a fixed seed, scores each answer 0 to 100 and replies with the
 * number only). The wording is ours and fixed: a judge figure is only comparable with another made with the same
 * prompt, so changing a template changes what the figures mean.
 *
 * <p>One style for every judge: plain text, the material in labelled blocks, the instruction to answer last, as
 * the last thing a completion model reads is what it continues from.
 */
public final class JudgePrompt {
    private JudgePrompt() {
    }

    /**
     * Asks for one answer's score. The reply is read with {@link JudgeScore#parse}.
     *
     * @param reference a correct answer to compare with; null when there is none
     */
    public static String single(String instruction, String reference, String answer) {
        Objects.requireNonNull(instruction, "instruction");
        Objects.requireNonNull(answer, "answer");
        StringBuilder p = new StringBuilder()
                .append("You are grading how well an answer carries out a task.\n\n")
                .append("### Task\n").append(instruction.strip()).append("\n\n");
        if (reference != null) {
            p.append("### Correct answer\n").append(reference.strip()).append("\n\n");
        }
        return p.append("### Answer to grade\n").append(answer.strip()).append("\n\n")
                .append("Grade the answer from 0 (useless or wrong) to 100 (fully correct and complete")
                .append(reference != null ? ", as good as the correct answer" : "")
                .append("). Reply with the whole number only.\n\nGrade: ")
                .toString();
    }

    /**
     * Asks which of two answers is better. The reply is read with {@link PairwisePreference#parse}; ask again with
     * the answers exchanged and combine both with {@link PairwiseVerdict#combine}, so that a judge's preference for
     * a position does not count as a preference for an answer.
     *
     * @param reference a correct answer to compare with; null when there is none
     */
    public static String pairwise(String instruction, String reference, String answerA, String answerB) {
        Objects.requireNonNull(instruction, "instruction");
        Objects.requireNonNull(answerA, "answerA");
        Objects.requireNonNull(answerB, "answerB");
        StringBuilder p = new StringBuilder()
                .append("You are comparing two answers to the same task.\n\n")
                .append("### Task\n").append(instruction.strip()).append("\n\n");
        if (reference != null) {
            p.append("### Correct answer\n").append(reference.strip()).append("\n\n");
        }
        return p.append("### Answer A\n").append(answerA.strip()).append("\n\n")
                .append("### Answer B\n").append(answerB.strip()).append("\n\n")
                .append("Which answer carries out the task better? Their order says nothing about their quality. ")
                .append("Reply with A, B, or TIE only.\n\nBetter answer: ")
                .toString();
    }
}
