package dev.llmmesh.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code src/test/node/openai-client/check.mjs}: the official openai npm client lists models, completes and
 * streams a chat completion against the gateway. Installs the client from package-lock.json on first use.
 */
final class OpenAiNodeClient {
    private static final Path DIR = ServiceJars.root().resolve("integration-tests/src/test/node/openai-client");

    private OpenAiNodeClient() {
    }

    static void check(String gatewayBase, String model) throws IOException, InterruptedException {
        if (!Files.isDirectory(DIR.resolve("node_modules/openai"))) {
            run(List.of("npm", "ci", "--no-audit", "--no-fund"), "", "");
        }
        String output = run(List.of("node", "check.mjs"), gatewayBase + "/v1", model);
        System.out.println("openai npm client: " + output.strip());
    }

    private static String run(List<String> command, String gatewayUrl, String model)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true);
        builder.environment().put("LLM_GATEWAY_URL", gatewayUrl);
        builder.environment().put("LLM_MODEL", model);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AssertionError(command.getFirst() + " is not installed: the OpenAI-client check needs Node.js "
                    + "and npm (apt-get install -y nodejs npm); .ci/run installs them", e);
        }
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 5 minutes");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n" + text);
        }
        return text;
    }
}
