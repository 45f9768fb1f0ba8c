package dev.llmmesh.gateway.auth;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiKeysTest {
    static String sha256Hex(String secret) {
        return HexFormat.of().formatHex(KeyMatcher.sha256(secret));
    }

    @Test
    void parsesNamesHashesAndScopes() {
        String alice = sha256Hex("alice-secret");
        String bob = sha256Hex("bob-secret");
        String ops = sha256Hex("ops-secret");
        List<ApiKey> keys = ApiKeys.parse(" alice:" + alice + " , bob:" + bob.toUpperCase() + ":read+inference,ops:" + ops + ":admin");

        assertEquals(3, keys.size());
        assertEquals("alice", keys.get(0).name());
        assertArrayEquals(HexFormat.of().parseHex(alice), keys.get(0).sha256());
        assertEquals(ApiKeys.DEFAULT_SCOPES, keys.get(0).scopes());
        assertEquals(Set.of(Scope.READ, Scope.INFERENCE), keys.get(1).scopes());
        assertArrayEquals(HexFormat.of().parseHex(bob), keys.get(1).sha256());
        assertEquals(Set.of(Scope.ADMIN), keys.get(2).scopes());
    }

    @Test
    void theDefaultIsEverythingButAdmin() {
        assertEquals(Set.of(Scope.READ, Scope.WRITE, Scope.INFERENCE), ApiKeys.DEFAULT_SCOPES);
    }

    @Test
    void blankConfigMeansNoKeys() {
        assertTrue(ApiKeys.parse("").isEmpty());
        assertTrue(ApiKeys.parse("  ").isEmpty());
        assertTrue(ApiKeys.parse(null).isEmpty());
    }

    @Test
    void malformedEntriesNameTheEntryAndTheFault() {
        String good = "a:" + sha256Hex("a");
        assertRefused(good + ",b", "entry 2", "field");
        assertRefused(good + ",,c:" + sha256Hex("c"), "entry 2", "empty");
        assertRefused(good + ",", "entry 2", "empty");
        assertRefused("bad name:" + sha256Hex("x"), "entry 1", "name");
        assertRefused("x:abc123", "entry 1 ('x')", "64 hex digits");
        assertRefused("x:" + sha256Hex("x") + ":read+fly", "entry 1 ('x')", "unknown scope 'fly'");
        assertRefused("x:" + sha256Hex("x") + ":", "entry 1 ('x')", "empty scope list");
        assertRefused("x:" + sha256Hex("x") + ":read:more", "entry 1", "4 ':'-separated");
        assertRefused(good + ",a:" + sha256Hex("other"), "entry 2 ('a')", "repeats the name");
        assertRefused(good + ",b:" + sha256Hex("a"), "entry 2 ('b')", "same hash");
    }

    @Test
    void aKeyPastedInPlaceOfItsHashIsNotEchoed() {
        String pasted = "sk-live-this-is-the-secret";
        ApiKeyConfigException e = assertThrows(ApiKeyConfigException.class, () -> ApiKeys.parse("x:" + pasted));
        assertFalse(e.getMessage().contains(pasted), e.getMessage());
    }

    @Test
    void matchesOnlyTheRightSecret() {
        KeyMatcher matcher = new KeyMatcher(ApiKeys.parse("a:" + sha256Hex("secret-a") + ",b:" + sha256Hex("secret-b") + ":read"));
        assertEquals("a", matcher.match("secret-a").orElseThrow().name());
        assertEquals("b", matcher.match("secret-b").orElseThrow().name());
        assertTrue(matcher.match("secret-c").isEmpty());
        assertTrue(matcher.match("secret-a ").isEmpty());
        assertTrue(matcher.match("").isEmpty());
        assertTrue(new KeyMatcher(List.of()).match("secret-a").isEmpty());
    }

    @Test
    void readsBearerCredentials() {
        assertEquals("k1", AuthFilter.bearerToken("Bearer k1").orElseThrow());
        assertEquals("k1", AuthFilter.bearerToken("bearer  k1 ").orElseThrow());
        assertTrue(AuthFilter.bearerToken(null).isEmpty());
        assertTrue(AuthFilter.bearerToken("Bearer ").isEmpty());
        assertTrue(AuthFilter.bearerToken("Bearer    ").isEmpty());
        assertTrue(AuthFilter.bearerToken("Basic dXNlcjpwYXNz").isEmpty());
        assertTrue(AuthFilter.bearerToken("Bearerk1").isEmpty());
    }

    private static void assertRefused(String config, String which, String what) {
        ApiKeyConfigException e = assertThrows(ApiKeyConfigException.class, () -> ApiKeys.parse(config));
        assertTrue(e.getMessage().contains("LLM_API_KEYS " + which), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
    }
}
