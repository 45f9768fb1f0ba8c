package dev.llmmesh.tokenizer.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.DisallowedSpecialTokenException;
import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;
import dev.llmmesh.core.tokenizer.TokenOutOfRangeException;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.servicekit.http.JsonBody;
import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Encode and decode over HTTP, and the list of tokenizers. */
@Controller("/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public class TokenizerController {
    private final TokenizerRegistry registry;

    public TokenizerController(TokenizerRegistry registry) {
        this.registry = registry;
    }

    /** @param warnings only when the request used a deprecated name */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenizeResponse(String tokenizerId, int[] tokens, int count, List<String> warnings) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DetokenizeResponse(String tokenizerId, String text, List<String> warnings) {
    }

    /** The tokenizer a request names, and what to tell a client that named it the old way. */
    private record Named(BpeTokenizer tokenizer, List<String> warnings) {
    }

    private static final String OLD_NAME = "tokenizer";
    private static final String NAME = "tokenizerId";

    public record TokenizerInfo(String id, int vocabSize, Map<String, Integer> specialTokens) {
    }

    /** The list shape every list of the API has: {@code {"object": "list", "data": [...]}}. */
    public record TokenizerList(String object, List<TokenizerInfo> data) {
    }

    /**
     * {@code {"tokenizerId":"gpt2","text":"...","allowedSpecial":"all"|[...]}}; special token text is an
     * error unless allowed, as in tiktoken.
     */
    @Post(uri = "/tokenize", consumes = MediaType.APPLICATION_JSON)
    public TokenizeResponse tokenize(@Body byte[] body) {
        JsonBody json = JsonBody.parse(body);
        Named named = named(json);
        BpeTokenizer tokenizer = named.tokenizer();
        String text = json.requiredText("text");
        SpecialTokenPolicy policy = policy(json.optional("allowedSpecial"), tokenizer);
        try {
            int[] ids = tokenizer.encode(text, policy);
            return new TokenizeResponse(tokenizer.name(), ids, ids.length, named.warnings());
        } catch (DisallowedSpecialTokenException e) {
            throw ProblemException.badField("text", e.getMessage()
                    + " (set \"allowedSpecial\": [\"" + e.token() + "\"] or \"all\")");
        }
    }

    /** {@code {"tokenizerId":"gpt2","tokens":[...]}} */
    @Post(uri = "/detokenize", consumes = MediaType.APPLICATION_JSON)
    public DetokenizeResponse detokenize(@Body byte[] body) {
        JsonBody json = JsonBody.parse(body);
        Named named = named(json);
        int[] ids = json.requiredIntArray("tokens");
        try {
            return new DetokenizeResponse(named.tokenizer().name(), named.tokenizer().decode(ids), named.warnings());
        } catch (TokenOutOfRangeException e) {
            throw ProblemException.badField("tokens[" + e.index() + "]", e.getMessage());
        }
    }

    @Get("/tokenizers")
    public TokenizerList list() throws IOException {
        return new TokenizerList("list", registry.ids().stream()
                .flatMap(id -> registry.find(id).stream())
                .map(TokenizerController::info)
                .toList());
    }

    @Get("/tokenizers/{id}")
    public TokenizerInfo get(@PathVariable String id) {
        return info(tokenizer(id));
    }

    /** {@code tokenizerId}, or its name before this release, {@code tokenizer}, read until the next one. */
    private Named named(JsonBody json) {
        boolean old = json.optional(OLD_NAME) != null;
        if (old && json.optional(NAME) != null) {
            throw ProblemException.badField(OLD_NAME, "give '" + NAME + "' only; '" + OLD_NAME + "' is its deprecated "
                    + "name");
        }
        if (old) {
            return new Named(tokenizer(json.requiredText(OLD_NAME), OLD_NAME), List.of("'" + OLD_NAME + "' is "
                    + "deprecated and will be removed in the next release; send '" + NAME + "' instead"));
        }
        return new Named(tokenizer(json.requiredText(NAME), NAME), null);
    }

    private BpeTokenizer tokenizer(String id) {
        return tokenizer(id, "id");
    }

    private BpeTokenizer tokenizer(String id, String field) {
        return registry.find(id).orElseThrow(() -> new ProblemException(HttpStatus.NOT_FOUND, field,
                "unknown tokenizer '" + id + "'; GET /v1/tokenizers lists the available ones"));
    }

    private static TokenizerInfo info(BpeTokenizer t) {
        return new TokenizerInfo(t.name(), t.vocabSize(), t.specialTokens());
    }

    private static SpecialTokenPolicy policy(JsonNode allowed, BpeTokenizer tokenizer) {
        if (allowed == null) {
            return SpecialTokenPolicy.DISALLOW_ALL;
        }
        if (allowed.isTextual() && allowed.textValue().equals("all")) {
            return SpecialTokenPolicy.ALLOW_ALL;
        }
        if (!allowed.isArray()) {
            throw ProblemException.badField("allowedSpecial", "allowedSpecial must be \"all\" or an array of special "
                    + "token strings, got " + JsonBody.kind(allowed));
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < allowed.size(); i++) {
            JsonNode v = allowed.get(i);
            if (!v.isTextual() || !tokenizer.specialTokens().containsKey(v.textValue())) {
                throw ProblemException.badField("allowedSpecial[" + i + "]", "allowedSpecial[" + i + "] must be one of "
                        + tokenizer.specialTokens().keySet() + ", got " + v);
            }
            names.add(v.textValue());
        }
        return new SpecialTokenPolicy(names, Set.of(SpecialTokenPolicy.ALL));
    }
}
