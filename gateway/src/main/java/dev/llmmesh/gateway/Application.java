package dev.llmmesh.gateway;

import io.micronaut.runtime.Micronaut;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;

@OpenAPIDefinition(info = @Info(title = "llm-mesh gateway", version = "v1",
        description = "Datasets, tokenizers, jobs and models of an llm-mesh; errors are RFC 9457 problem bodies."))
public final class Application {
    private Application() {
    }

    public static void main(String[] args) {
        Micronaut.run(Application.class, args);
    }
}
