package dev.llmmesh.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

/**
 * Finds the configured key a presented secret belongs to, by hashing the secret and comparing hashes.
 *
 * <p>Every configured hash is compared with {@link MessageDigest#isEqual} (constant time) and the loop
 * never stops early, so the time taken says nothing about how close a guess was or which entry matched.
 */
public final class KeyMatcher {
    private final List<ApiKey> keys;
    private final byte[][] hashes;

    public KeyMatcher(List<ApiKey> keys) {
        this.keys = List.copyOf(keys);
        this.hashes = this.keys.stream().map(ApiKey::sha256).toArray(byte[][]::new);
    }

    public Optional<ApiKey> match(String presentedSecret) {
        byte[] presented = sha256(presentedSecret);
        ApiKey found = null;
        for (int i = 0; i < hashes.length; i++) {
            if (MessageDigest.isEqual(hashes[i], presented) && found == null) {
                found = keys.get(i);
            }
        }
        return Optional.ofNullable(found);
    }

    public int size() {
        return keys.size();
    }

    static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-256", e);
        }
    }
}
