package dev.llmmesh.gateway.auth;

import java.util.Set;

/**
 * One accepted key as configured: a name (for logs, rate-limit counters and OpenAI's {@code user}),
 * the SHA-256 of the secret, and what it may do.
 */
public record ApiKey(String name, byte[] sha256, Set<Scope> scopes) {
    public ApiKey {
        sha256 = sha256.clone();
        scopes = Set.copyOf(scopes);
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    /** Whether this key holds one of {@code acceptable}; an admin key holds them all. */
    public boolean holdsAnyOf(Set<Scope> acceptable) {
        return scopes.contains(Scope.ADMIN) || acceptable.stream().anyMatch(scopes::contains);
    }

    @Override
    public String toString() {
        // Never print the hash: it is not the secret, but there is no reason to spread it.
        return "ApiKey[" + name + " " + scopes + "]";
    }
}
