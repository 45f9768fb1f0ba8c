package dev.llmmesh.mesh.jobs;

/** The schema version of a job message: a record reads its own and no other, naming both when it differs. */
final class SchemaVersions {
    private SchemaVersions() {
    }

    /** @return {@code supported}, for a message that left the version out */
    static int check(Integer version, int supported) {
        if (version != null && version != supported) {
            throw new IllegalArgumentException("schemaVersion " + version + " is not supported; this service reads "
                    + supported);
        }
        return supported;
    }
}
