package dev.llmmesh.core.model;

import java.io.IOException;

/**
 * A HuggingFace model directory that cannot become a model here; the message says why, in terms of the uploaded
 * files (never of where they were staged).
 *
 * @see HuggingFaceFiles#check
 */
public final class InvalidModelFilesException extends IOException {
    private final String file;

    public InvalidModelFilesException(String file, String message) {
        super(message);
        this.file = file;
    }

    /** The file at fault, by its name in the directory ({@code config.json}, {@code model.safetensors}, ...). */
    public String file() {
        return file;
    }
}
