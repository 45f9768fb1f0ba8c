package dev.llmmesh.servicekit.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.micronaut.core.bind.exceptions.UnsatisfiedArgumentException;
import io.micronaut.core.convert.exceptions.ConversionErrorException;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import jakarta.inject.Singleton;

import java.net.URISyntaxException;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Replaces Micronaut's default error body ({@code {"message", "_links", "_embedded"}}) for every error Micronaut
 * produces itself: no route (404), wrong method (405), wrong content type (415), a body over the limit (413), a
 * query parameter that does not convert, a missing body, a request line Netty refused. Each becomes a problem
 * body naming the field at fault where it is known, in the request path's {@link ProblemDialect} if it has one.
 */
@Singleton
final class ProblemErrorResponseProcessor implements ErrorResponseProcessor<Object> {
    private final ProblemResponses responses;

    ProblemErrorResponseProcessor(ProblemResponses responses) {
        this.responses = responses;
    }

    @Override
    @SuppressWarnings("unchecked")
    public MutableHttpResponse<Object> processResponse(ErrorContext context, MutableHttpResponse<?> response) {
        Problem problem = describe(context, response);
        response.status(problem.status());
        if (decoderRefusal(context.getRequest()) != null) {
            // Netty could not read the request, so what follows it on the connection cannot be trusted either;
            // the client must not send its next request there.
            response.header(HttpHeaders.CONNECTION, "close");
        }
        return (MutableHttpResponse<Object>) responses.write(context.getRequest(), problem, response);
    }

    private static Problem describe(ErrorContext context, MutableHttpResponse<?> response) {
        HttpRequest<?> request = context.getRequest();
        Throwable cause = context.getRootCause().orElse(null);
        HttpStatus status = response.status();
        Throwable refused = decoderRefusal(request);
        if (refused instanceof TooLongHttpLineException) {
            // Netty caps the request line (micronaut.server.netty.max-initial-line-length, 4096 bytes by default)
            // and Micronaut reports that as 413; the URI is what is too long.
            return problem(HttpStatus.REQUEST_URI_TOO_LONG, "uri", "the request line is longer than the server "
                    + "accepts (micronaut.server.netty.max-initial-line-length, 4096 bytes by default); ids are at "
                    + "most 128 characters, and long values belong in a request body");
        }
        if (refused instanceof TooLongHttpHeaderException) {
            return problem(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers", "the request headers are larger "
                    + "than the server accepts (micronaut.server.netty.max-header-size); send fewer or shorter headers");
        }
        if (refused != null) {
            return problem(HttpStatus.BAD_REQUEST, "request", "the request is not valid HTTP: " + refused.getMessage());
        }
        if (cause instanceof ConversionErrorException e) {
            Argument<?> argument = e.getArgument();
            Object value = e.getConversionError().getOriginalValue().orElse(null);
            return problem(status, argument.getName(), "'" + argument.getName() + "' must be " + kind(argument)
                    + (value == null ? "" : ", got '" + value + "'"));
        }
        if (cause instanceof UnsatisfiedArgumentException e) {
            return missing(status, e.getArgument());
        }
        if (cause instanceof UnsatisfiedRouteException e) {
            return missing(status, e.getArgument());
        }
        if (cause instanceof ContentLengthExceededException e) {
            return ProblemHandlers.tooLarge(e).toProblem();
        }
        if (cause instanceof JsonProcessingException e) {
            String field = e instanceof JsonMappingException m && !m.getPath().isEmpty() ? path(m) : "body";
            return problem(status, field, "request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (cause instanceof URISyntaxException e) {
            return problem(status, "uri", "the request URI is not valid (" + e.getMessage() + "); percent-encode "
                    + "reserved characters");
        }
        String method = request.getMethodName();
        String path = request.getPath();
        return switch (status) {
            case NOT_FOUND -> problem(status, null, "nothing is served at " + path + "; check the path against the API "
                    + "reference (the gateway serves it at /openapi.yml)");
            case METHOD_NOT_ALLOWED -> problem(status, "method", method + " is not allowed on " + path
                    + response.getHeaders().get(HttpHeaders.ALLOW, String.class).map(a -> "; use " + a).orElse(""));
            case UNSUPPORTED_MEDIA_TYPE -> problem(status, "Content-Type", "Content-Type "
                    + request.getContentType().map(Object::toString).orElse("(none)") + " is not accepted on " + method
                    + " " + path + messages(context, "; "));
            case NOT_ACCEPTABLE -> problem(status, "Accept", "none of the media types in Accept can be produced by "
                    + method + " " + path + messages(context, "; "));
            case BAD_REQUEST -> problem(status, "request", messages(context, ""));
            default -> problem(status, null, messages(context, ""));
        };
    }

    private static Problem missing(HttpStatus status, Argument<?> argument) {
        if (argument.getAnnotationMetadata().hasAnnotation(Body.class)) {
            return problem(status, "body", "the request body is empty; send one (see the API reference for its shape)");
        }
        return problem(status, argument.getName(), "'" + argument.getName() + "' is required");
    }

    /** Why Netty refused to decode the request, or null when it decoded it. */
    private static Throwable decoderRefusal(HttpRequest<?> request) {
        if (request instanceof NettyHttpRequest<?> netty && netty.getNativeRequest().decoderResult().isFailure()) {
            return netty.getNativeRequest().decoderResult().cause();
        }
        return null;
    }

    private static String kind(Argument<?> argument) {
        Class<?> type = argument.getWrapperType();
        if (type == Integer.class || type == Long.class || type == Short.class || type == Byte.class) {
            return "an integer";
        }
        if (type == Double.class || type == Float.class) {
            return "a number";
        }
        if (type == Boolean.class) {
            return "true or false";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.toString(type.getEnumConstants());
        }
        return "a " + type.getSimpleName().toLowerCase(Locale.ROOT);
    }

    private static String path(JsonMappingException e) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                out.append(out.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static String messages(ErrorContext context, String prefix) {
        String joined = context.getErrors().stream().map(Error::getMessage).collect(Collectors.joining("; "));
        return joined.isEmpty() ? "" : prefix + joined;
    }

    private static Problem problem(HttpStatus status, String field, String detail) {
        return new Problem("about:blank", status.getReason(), status.getCode(),
                detail == null || detail.isEmpty() ? status.getReason() : detail, field);
    }
}
