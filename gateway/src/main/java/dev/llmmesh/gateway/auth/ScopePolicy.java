package dev.llmmesh.gateway.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which scope a request needs, from its method and path alone (so it is decided before routing and
 * cannot be forgotten by a new controller).
 *
 * <ul>
 *   <li>public, no key: {@code /}, {@code /health/**}, {@code /prometheus}, {@code /openapi.yml},
 *       {@code /swagger/**}, {@code /swagger-ui/**};</li>
 *   <li>{@code inference}: POST {@code /v1/completions}, {@code /v1/chat/completions}, {@code /v1/classify},
 *       {@code /v1/tokenize}, {@code /v1/detokenize};</li>
 *   <li>{@code inference}: a model's own base URL (lm-eval-harness's server layout): POST
 *       {@code /m/{model}/v1/completions}, {@code /m/{model}/tokenize}, {@code /m/{model}/detokenize} and GET
 *       {@code /m/{model}/tokenizer_info};</li>
 *   <li>{@code read} or {@code inference}: GET {@code /v1/models/**}, because OpenAI clients list
 *       models before they generate;</li>
 *   <li>{@code read}: any other GET, HEAD or OPTIONS under {@code /v1}: evaluations and the leaderboard
 *       among them, a model's own ({@code /v1/models/{id}/evals}) too, so that every figure is read with one
 *       scope whichever route it comes by;</li>
 *   <li>{@code write}: any other method under {@code /v1} (jobs, evaluations, datasets, tokenizers,
 *       cancel);</li>
 *   <li>{@code admin}: everything else, so a management endpoint switched on later is closed by
 *       default.</li>
 * </ul>
 * An {@code admin} key passes every rule. A path with {@code .} or {@code ..} segments is never public.
 */
public final class ScopePolicy {

    /** What a request needs: nothing ({@link #PUBLIC}) or a key holding one of {@code anyOf}. */
    public record Requirement(boolean open, Set<Scope> anyOf) {
        public static final Requirement PUBLIC = new Requirement(true, Set.of());

        static Requirement anyOf(Scope first, Scope... rest) {
            return new Requirement(false, Set.copyOf(EnumSet.of(first, rest)));
        }
    }

    private static final Set<String> PUBLIC_PATHS = Set.of("/", "/health", "/prometheus", "/openapi.yml");
    private static final Set<String> PUBLIC_PREFIXES = Set.of("/health/", "/swagger/", "/swagger-ui/");
    private static final Set<String> INFERENCE_POSTS =
            Set.of("/v1/completions", "/v1/chat/completions", "/v1/classify", "/v1/tokenize", "/v1/detokenize");
    /** Under {@code /m/{model}}: the harness's routes, by method. */
    private static final Set<String> MODEL_BASE_POSTS = Set.of("v1/completions", "tokenize", "detokenize");
    private static final Set<String> MODEL_BASE_GETS = Set.of("tokenizer_info");
    private static final String MODELS_PREFIX = "/v1/models/";
    private static final String EVALS = "evals";
    private static final Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    private static final Requirement INFERENCE = Requirement.anyOf(Scope.INFERENCE);
    private static final Requirement MODELS = Requirement.anyOf(Scope.READ, Scope.INFERENCE);
    private static final Requirement READ = Requirement.anyOf(Scope.READ);
    private static final Requirement WRITE = Requirement.anyOf(Scope.WRITE);
    private static final Requirement ADMIN = Requirement.anyOf(Scope.ADMIN);

    public Requirement requirement(String method, String rawPath) {
        String path = normalize(rawPath);
        String verb = method.toUpperCase(Locale.ROOT);
        boolean reading = READ_METHODS.contains(verb);
        if (reading && isPublic(path)) {
            return Requirement.PUBLIC;
        }
        if (modelBaseRoute(verb, path)) {
            return INFERENCE;
        }
        if (!path.equals("/v1") && !path.startsWith("/v1/")) {
            return ADMIN;
        }
        if (verb.equals("POST") && INFERENCE_POSTS.contains(path)) {
            return INFERENCE;
        }
        if (reading && modelsRoute(path)) {
            return MODELS;
        }
        return reading ? READ : WRITE;
    }

    /**
     * {@code /v1/models} and what is under it but a model's evaluations; a path with dot segments is read with
     * {@code read}, as it may resolve elsewhere.
     */
    private static boolean modelsRoute(String path) {
        if (path.equals("/v1/models")) {
            return true;
        }
        if (!path.startsWith(MODELS_PREFIX) || hasDotSegment(path)) {
            return false;
        }
        String rest = path.substring(MODELS_PREFIX.length());
        int slash = rest.indexOf('/');
        String below = slash < 0 ? "" : rest.substring(slash + 1);
        return !(below.equals(EVALS) || below.startsWith(EVALS + "/"));
    }

    /** {@code /m/{model}/<route>} with a plain model segment (no dot segments, nothing escaped). */
    private static boolean modelBaseRoute(String verb, String path) {
        if (!path.startsWith("/m/") || hasDotSegment(path)) {
            return false;
        }
        int slash = path.indexOf('/', "/m/".length());
        if (slash < 0 || slash == "/m/".length()) {
            return false;
        }
        String route = path.substring(slash + 1);
        return verb.equals("POST") && MODEL_BASE_POSTS.contains(route)
                || READ_METHODS.contains(verb) && MODEL_BASE_GETS.contains(route);
    }

    private static boolean isPublic(String path) {
        if (hasDotSegment(path)) {
            return false;
        }
        return PUBLIC_PATHS.contains(path) || PUBLIC_PREFIXES.stream().anyMatch(path::startsWith);
    }

    /** Collapses repeated slashes and drops a trailing one, as the router treats those paths alike. */
    static String normalize(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        String path = rawPath.replaceAll("/{2,}", "/");
        if (!path.startsWith("/")) {
            path = "/" + path;
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return path;
    }

    private static boolean hasDotSegment(String path) {
        for (String segment : path.split("/")) {
            if (segment.equals(".") || segment.equals("..") || segment.contains("%")) {
                return true;
            }
        }
        return false;
    }
}
