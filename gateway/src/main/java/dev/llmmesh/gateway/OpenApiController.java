package dev.llmmesh.gateway;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.swagger.v3.oas.annotations.Hidden;

import java.io.IOException;
import java.io.InputStream;

/** The OpenAPI document the build generated from the controllers, at a path clients can guess. */
@Controller
@Hidden
public class OpenApiController {
    static final String DOCUMENT = "META-INF/swagger/openapi.yml";

    @Get(value = "/openapi.yml", produces = "application/yaml")
    public HttpResponse<byte[]> document() throws IOException {
        try (InputStream in = OpenApiController.class.getClassLoader().getResourceAsStream(DOCUMENT)) {
            if (in == null) {
                return HttpResponse.notFound();
            }
            return HttpResponse.ok(in.readAllBytes()).contentType(MediaType.of("application/yaml"));
        }
    }
}
