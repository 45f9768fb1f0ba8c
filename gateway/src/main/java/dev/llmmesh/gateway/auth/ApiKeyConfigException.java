package dev.llmmesh.gateway.auth;

/** The auth configuration cannot be used; thrown at startup so the gateway does not run half-protected. */
public final class ApiKeyConfigException extends IllegalArgumentException {
    public ApiKeyConfigException(String message) {
        super(message);
    }
}
