package dev.llmmesh.launcher.stack;

/**
 * A failure the user can act on. The message is the whole story (what failed and which log to read), so
 * the command line prints it without a stack trace.
 */
public class StackException extends RuntimeException {
    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
