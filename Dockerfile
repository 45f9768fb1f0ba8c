# syntax=docker/dockerfile:1
# The image of every service; MODULE names the Maven module it is built from. Build context: the repository
# root (the module is built inside the multi-module reactor). docker-compose.yml passes MODULE per service.
#   docker build --build-arg MODULE=gateway -t llm-mesh/gateway .
#   docker build --build-arg MODULE=trainer-service .                             CPU, libtorch inside the jar
#   docker build --build-arg MODULE=trainer-service --build-arg LIBTORCH=download .  libtorch fetched at first start

FROM maven:3.9-eclipse-temurin-25 AS build
ARG MODULE
# bundled: the CPU libtorch from Maven Central stays in the jar and DJL unpacks it into DJL_CACHE_DIR.
# download: the jar carries only a placeholder, so DJL downloads the libtorch build that matches the
# machine it runs on (the CUDA build when a GPU is visible; Maven Central has no CUDA build for
# PyTorch 2.7.1) into DJL_CACHE_DIR at first start. The JNI glue for CUDA is already in the jar.
ARG LIBTORCH=bundled
WORKDIR /src
COPY . .
# The cache mount keeps ~/.m2 between builds, so a source change does not download the dependencies
# (DJL's libtorch jar alone is ~200 MB) again. -am builds services-parent, core, mesh and service-kit first.
# The shaded jar is <module>/target/<module>-<version>.jar (services-parent); the glob matches exactly that
# one (the shade plugin's original-* jar does not start with the module name), and cp fails on none or two.
# Web assets: a module whose package phase builds a web UI (the gateway, later) leaves it in
# <module>/target/web; the image carries it as /app/web. No module builds one yet, so /app/web is empty.
RUN --mount=type=cache,target=/root/.m2 \
    if [ -z "$MODULE" ] || [ ! -f "$MODULE/pom.xml" ]; then \
      echo "MODULE must name a service module (docker build --build-arg MODULE=gateway ., or" \
           "tokenizer-service, trainer-service, inference-service, eval-service), not '$MODULE'" >&2; exit 1; \
    fi \
 && mvn -B -q -pl "$MODULE" -am package -DskipTests \
 && mkdir -p /out/web \
 && cp "$MODULE/target/$MODULE"-*.jar /out/service.jar \
 && if [ -d "$MODULE/target/web" ]; then cp -R "$MODULE/target/web/." /out/web/; fi
RUN case "$LIBTORCH" in \
      bundled) ;; \
      download) \
        apt-get update && apt-get install -y --no-install-recommends zip \
        && zip -q -d /out/service.jar 'native/lib/*' \
        && mkdir -p /tmp/placeholder/native/lib \
        && printf 'placeholder=true\nversion=2.7.1\n' > /tmp/placeholder/native/lib/pytorch.properties \
        && cd /tmp/placeholder && zip -q /out/service.jar native/lib/pytorch.properties ;; \
      *) echo "LIBTORCH must be 'bundled' or 'download', not '$LIBTORCH'" >&2; exit 1 ;; \
    esac

FROM eclipse-temurin:25-jre
ARG MODULE
LABEL dev.llmmesh.module="$MODULE"
# curl only for the compose healthcheck on /health.
RUN apt-get update && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app llm \
 && mkdir -p /data/artifacts /data/djl \
 && chown -R llm /data
COPY --from=build --chown=llm /out/ /app/
USER llm
WORKDIR /app
# DJL_CACHE_DIR: where DJL unpacks (or downloads) libtorch, ~430 MB; compose mounts a volume there for the
# services that run models, so that it happens once, not at every container start. THP_MEM_ALLOC_ENABLE:
# libtorch puts its large arrays (the weights) on 2 MB pages, which decoding reads faster. The Vector API
# module carries core's CPU decode kernels; the launcher starts every service with the same flags.
ENV LLM_ARTIFACTS_DIR=/data/artifacts \
    DJL_CACHE_DIR=/data/djl \
    THP_MEM_ALLOC_ENABLE=1 \
    JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector"
# No EXPOSE: the port is the module's micronaut.server.port (its application.yml); compose reaches it over the
# project network and publishes only the gateway's.
# sh -c so that JAVA_OPTS is split into flags; exec so that java gets SIGTERM and shuts down cleanly.
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/service.jar"]
