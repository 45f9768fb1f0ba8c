package dev.llmmesh.gateway.auth;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the accepted keys from {@code LLM_API_KEYS}: comma-separated entries
 * {@code name:sha256hex[:scope+scope...]}.
 *
 * <ul>
 *   <li>{@code name}: letters, digits, {@code . _ -}, at most 64 characters; it appears in logs, in
 *       the Redis rate-limit key and as the request's key name, so it must be safe in all three.</li>
 *   <li>{@code sha256hex}: the lower- or upper-case hex SHA-256 of the key's UTF-8 bytes
 *       ({@code printf %s "$KEY" | sha256sum}). The key itself is never configured.</li>
 *   <li>scopes: {@code read}, {@code write}, {@code inference}, {@code admin}, joined with {@code +}.
 *       Without scopes a key gets {@link #DEFAULT_SCOPES} (read+write+inference): everything a user of
 *       the mesh does, but not admin, which must be asked for by name.</li>
 * </ul>
 *
 * Whitespace around entries and fields is ignored. A malformed entry fails with a message naming the
 * entry (by position and name, never by hash) and what is wrong with it, so that a typo stops the
 * gateway at startup rather than silently locking a user out.
 */
public final class ApiKeys {
    public static final Set<Scope> DEFAULT_SCOPES = Set.of(Scope.READ, Scope.WRITE, Scope.INFERENCE);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

    private ApiKeys() {
    }

    /** The keys in {@code config}; an empty or blank string gives none. */
    public static List<ApiKey> parse(String config) {
        if (config == null || config.isBlank()) {
            return List.of();
        }
        String[] entries = config.split(",", -1);
        List<ApiKey> keys = new ArrayList<>(entries.length);
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].strip();
            if (entry.isEmpty()) {
                // Most likely a stray or doubled comma; say so rather than ignore it.
                throw invalid(i, null, "is empty (a doubled or trailing comma?)");
            }
            ApiKey key = parseEntry(i, entry);
            if (!names.add(key.name())) {
                throw invalid(i, key.name(), "repeats the name '" + key.name() + "'; each key needs its own name");
            }
            if (!hashes.add(HexFormat.of().formatHex(key.sha256()))) {
                throw invalid(i, key.name(), "has the same hash as an earlier entry; the same key cannot have two names");
            }
            keys.add(key);
        }
        return List.copyOf(keys);
    }

    private static ApiKey parseEntry(int index, String entry) {
        String[] fields = entry.split(":", -1);
        if (fields.length < 2 || fields.length > 3) {
            throw invalid(index, null, "has " + fields.length + " ':'-separated field(s); expected name:sha256hex or name:sha256hex:scopes");
        }
        String name = fields[0].strip();
        if (!NAME.matcher(name).matches()) {
            throw invalid(index, null, "has the name '" + name + "'; a name is 1-64 characters of letters, digits, '.', '_' or '-'");
        }
        String hex = fields[1].strip();
        if (!SHA256_HEX.matcher(hex).matches()) {
            // Do not echo the field: someone may have pasted the key itself here.
            throw invalid(index, name, "has a hash that is not 64 hex digits (" + hex.length()
                    + " characters); put the SHA-256 of the key there, e.g. printf %s \"$KEY\" | sha256sum, never the key itself");
        }
        Set<Scope> scopes = fields.length == 3 ? parseScopes(index, name, fields[2].strip()) : DEFAULT_SCOPES;
        return new ApiKey(name, HexFormat.of().parseHex(hex), scopes);
    }

    private static Set<Scope> parseScopes(int index, String name, String field) {
        if (field.isEmpty()) {
            throw invalid(index, name, "has an empty scope list; leave out the last ':' for the default scopes (read+write+inference)");
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String raw : field.split("\\+", -1)) {
            String scopeName = raw.strip();
            Optional<Scope> scope = Scope.fromConfigName(scopeName);
            if (scope.isEmpty()) {
                throw invalid(index, name, "has the unknown scope '" + scopeName + "'; scopes are " + Scope.allConfigNames()
                        + ", joined with '+'");
            }
            scopes.add(scope.get());
        }
        return scopes;
    }

    private static ApiKeyConfigException invalid(int index, String name, String problem) {
        String which = "LLM_API_KEYS entry " + (index + 1) + (name == null ? "" : " ('" + name + "')");
        return new ApiKeyConfigException(which + " " + problem);
    }
}
