package dev.llmmesh.mesh.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.MalformedJobException;
import dev.llmmesh.mesh.MeshJob;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the mesh knows about one kind of job besides its record: the {@code type} it travels under, the topic of
 * the service that runs it, whether that service honours {@code cancel-job}, and whether clients may submit it.
 * Each job record declares its own as a {@code TYPE} constant; {@link JobTypes} lists them.
 *
 * @param deprecatedNames fields renamed in this release, old name to new; the old one is still read (and the
 *                        gateway's answer carries a warning) until the next release drops it
 */
public record JobType<T extends MeshJob>(String name, Class<T> record, String topic, boolean cancellable,
                                         boolean submittable, Map<String, String> deprecatedNames) {
    public JobType {
        deprecatedNames = Map.copyOf(deprecatedNames);
    }

    /** A type clients submit. */
    public static <T extends MeshJob> JobType<T> submitted(String name, Class<T> record, String topic,
                                                           boolean cancellable) {
        return new JobType<>(name, record, topic, cancellable, true, Map.of());
    }

    /** A type a service sends itself (e.g. a fan-out of shards): on its topic, never accepted from clients. */
    public static <T extends MeshJob> JobType<T> internal(String name, Class<T> record, String topic) {
        return new JobType<>(name, record, topic, false, false, Map.of());
    }

    public JobType<T> renamed(String oldName, String newName) {
        var names = new HashMap<>(deprecatedNames);
        names.put(oldName, newName);
        return new JobType<>(name, record, topic, cancellable, submittable, names);
    }

    /** What a client should hear about the old names a message uses. */
    public List<String> deprecations(JsonNode message) {
        List<String> warnings = new ArrayList<>();
        deprecatedNames.forEach((old, now) -> {
            if (message.has(old)) {
                warnings.add("'" + old + "' is deprecated in " + name + " jobs and will be removed in the next "
                        + "release; send '" + now + "' instead");
            }
        });
        return warnings;
    }

    /** Moves values from old names to new ones, so the record only knows the new. */
    void upgrade(ObjectNode message) throws MalformedJobException {
        for (var rename : deprecatedNames.entrySet()) {
            String old = rename.getKey();
            String now = rename.getValue();
            if (!message.has(old)) {
                continue;
            }
            if (message.has(now)) {
                throw new MalformedJobException("give '" + now + "' only; '" + old + "' is its deprecated name",
                        null, name, old);
            }
            message.set(now, message.remove(old));
        }
    }
}
