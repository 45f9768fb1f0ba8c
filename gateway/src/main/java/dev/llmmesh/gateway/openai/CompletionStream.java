package dev.llmmesh.gateway.openai;

import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.inference.CompletionChunk;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.sse.Event;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Relays chunks as OpenAI's server-sent events ({@code data: {...}} then {@code data: [DONE]}). The response
 * status is decided by the first chunk, so an unknown model or an overlong prompt still gets a 4xx, not a 200
 * stream with an error inside; an error after that ends the stream with an error event, as OpenAI does.
 */
final class CompletionStream {
    private CompletionStream() {
    }

    static MutableHttpResponse<Flux<Event<String>>> relay(Flux<CompletionChunk> chunks,
                                                          Function<CompletionChunk, List<Object>> toEvents) {
        Stream<CompletionChunk> stream = chunks.toStream(1);
        Iterator<CompletionChunk> it = stream.iterator();
        CompletionChunk first = it.next();
        Flux<Event<String>> events = Flux.concat(Flux.just(first), Flux.fromIterable(() -> it))
                .concatMapIterable(toEvents)
                .map(o -> Event.of(new String(Json.bytes(o), java.nio.charset.StandardCharsets.UTF_8)))
                .onErrorResume(OpenAiException.class, e -> Flux.just(Event.of(new String(Json.bytes(e.body()),
                        java.nio.charset.StandardCharsets.UTF_8))))
                .concatWith(Flux.just(Event.of("[DONE]")))
                .doFinally(signal -> stream.close())
                .subscribeOn(Schedulers.boundedElastic());
        return HttpResponse.ok(events).contentType(MediaType.TEXT_EVENT_STREAM_TYPE);
    }
}
