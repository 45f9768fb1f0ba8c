package dev.llmmesh.gateway.tokenizers;

import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import jakarta.inject.Singleton;

/**
 * Hands requests to tokenizer-service and its answers back unchanged, problem bodies included: the service
 * already names the field at fault, so the gateway adds nothing but a clear error when the service is down.
 */
@Singleton
public class TokenizerProxy {
    private final HttpClient client;
    private final String serviceUrl;

    public TokenizerProxy(@Client(id = "tokenizer") HttpClient client,
                          @Value("${micronaut.http.services.tokenizer.url}") String serviceUrl) {
        this.client = client;
        this.serviceUrl = serviceUrl;
    }

    public MutableHttpResponse<byte[]> forward(HttpRequest<?> request) {
        try {
            HttpResponse<byte[]> response = client.toBlocking().exchange(request, byte[].class);
            return copy(response);
        } catch (HttpClientResponseException e) {
            return copy(e.getResponse().<byte[]>getBody(byte[].class).map(body -> HttpResponse.status(e.getStatus())
                    .contentType(e.getResponse().getContentType().orElse(MediaType.APPLICATION_JSON_TYPE))
                    .body(body)).orElseGet(() -> HttpResponse.status(e.getStatus())));
        } catch (HttpClientException e) {
            throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, null, "tokenizer-service is not reachable at "
                    + serviceUrl + " (" + e.getMessage() + "); start it, or point MICRONAUT_HTTP_SERVICES_TOKENIZER_URL "
                    + "at it");
        }
    }

    private static MutableHttpResponse<byte[]> copy(HttpResponse<byte[]> response) {
        MutableHttpResponse<byte[]> out = HttpResponse.status(response.status());
        response.getContentType().ifPresent(out::contentType);
        response.getBody().ifPresent(out::body);
        return out;
    }
}
