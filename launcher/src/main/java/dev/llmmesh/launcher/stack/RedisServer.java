package dev.llmmesh.launcher.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The Debian {@code redis-server}, in the foreground so that its pid is the one the launcher holds. */
public final class RedisServer implements Component {
    public static final String NAME = "redis";

    private final Path executable;
    private final DataLayout data;
    private final Map<String, String> env;

    public RedisServer(Path executable, DataLayout data, Map<String, String> env) {
        this.executable = executable;
        this.data = data;
        this.env = Map.copyOf(env);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int port() {
        return Ports.REDIS;
    }

    @Override
    public HealthCheck health() {
        return new RedisPing(Ports.REDIS);
    }

    @Override
    public Duration startTimeout() {
        return Duration.ofSeconds(15);
    }

    @Override
    public Duration stopTimeout() {
        return Duration.ofSeconds(10);
    }

    @Override
    public ProcessSpec processSpec() {
        // Loopback only: this Redis has no password and must not be reachable from the network.
        return new ProcessSpec(List.of(executable.toString(),
                "--port", Integer.toString(Ports.REDIS), "--bind", "127.0.0.1", "--protected-mode", "yes",
                "--daemonize", "no", "--dir", data.redisDir().toString()), env, data.redisDir());
    }

    /** Redis is only a cache here, so a system Redis already on 6379 serves as well as our own. */
    @Override
    public boolean mayUseExisting() {
        return true;
    }
}
