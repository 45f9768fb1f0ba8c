package dev.llmmesh.mesh;

import java.util.UUID;
import java.util.regex.Pattern;

/** Ids end up in artifact paths and Redis keys, so they are restricted to a safe alphabet. */
public final class Ids {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private Ids() {
    }

    public static boolean valid(String id) {
        return id != null && VALID.matcher(id).matches() && !id.contains("..");
    }

    /** @throws IllegalArgumentException naming {@code field} when the id is unusable */
    public static String require(String field, String id) {
        if (!valid(id)) {
            throw new IllegalArgumentException(field + " must be 1-128 characters of letters, digits, '.', '_' or '-' "
                    + "starting with a letter or digit, got " + (id == null ? "nothing" : "\"" + id + "\""));
        }
        return id;
    }

    public static String random(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }
}
