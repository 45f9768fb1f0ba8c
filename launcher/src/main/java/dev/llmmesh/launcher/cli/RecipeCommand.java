package dev.llmmesh.launcher.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/llm-mesh recipe NAME}: a book chapter run end to end on the mesh; the recipes are its subcommands. */
@Command(name = "recipe", mixinStandardHelpOptions = true,
        description = "Runs a recipe end to end through the gateway, like the demo: spam (fine-tune a spam classifier "
                + "on a base model pretrained here).",
        subcommands = {SpamRecipeCommand.class})
public final class RecipeCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
