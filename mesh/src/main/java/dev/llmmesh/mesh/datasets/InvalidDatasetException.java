package dev.llmmesh.mesh.datasets;

/**
 * A dataset row (or the upload as a whole) that does not fit its format. The message names where the row is
 * ({@code line 17} of JSONL, {@code element [4]} of a JSON array) and the field at fault, e.g.
 * {@code line 17: field 'label': must be an integer index into 'choices' (0-2), got 5}.
 */
public final class InvalidDatasetException extends IllegalArgumentException {
    private final String where;
    private final String field;

    public InvalidDatasetException(String where, String field, String reason) {
        super(where + ": " + (field == null ? "" : "field '" + field + "': ") + reason);
        this.where = where;
        this.field = field;
    }

    /** The row's place in the upload: {@code line 17}, {@code element [4]}, or {@code body} for the whole upload. */
    public String where() {
        return where;
    }

    /** The row's field at fault, or null when the row as a whole is (not JSON, not an object). */
    public String field() {
        return field;
    }
}
