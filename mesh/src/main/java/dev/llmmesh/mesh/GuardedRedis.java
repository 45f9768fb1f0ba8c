package dev.llmmesh.mesh;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Redis used as a cache, which it is everywhere in the mesh: a call that cannot be served comes back empty at once,
 * like a miss, and the caller goes on without Redis (artifact store, own prefill, uncounted request).
 *
 * <p>Every call has a short time limit ({@link Settings#commandTimeout()}, a connect {@link Settings#connectTimeout()})
 * instead of Lettuce's 60 s, and all calls share one {@link CircuitBreaker}: after a failure Redis is skipped for
 * {@link Settings#coolDown()}, then one call probes it again. So an outage costs a job one timeout, not one per shard,
 * and a service starts and serves while Redis is down. Lettuce's own reconnecting is off: it backs off up to 30 s and
 * meanwhile queues commands; here a lost connection is reopened by the next call the breaker lets through.
 *
 * <p>An error Redis answers with (out of memory, wrong type) is not an outage: that call comes back empty and is
 * logged, the breaker stays closed. Neither is a big write that runs out of its time on a {@link #newBulkConnection
 * bulk connection}: a multi-megabyte SET may take longer than the command timeout on a Redis that serves everyone
 * else at once.
 */
public final class GuardedRedis implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedRedis.class);

    /**
     * The {@code llm.redis} timeouts.
     *
     * @param connectTimeout how long opening a connection may take
     * @param commandTimeout how long a command may take; a caller may give a shorter one
     * @param coolDown       how long Redis is skipped after a failure before one call tries it again
     */
    public record Settings(Duration connectTimeout, Duration commandTimeout, Duration coolDown) {
        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(5));

        public Settings {
            positive("llm.redis.connect-timeout", connectTimeout);
            positive("llm.redis.command-timeout", commandTimeout);
            positive("llm.redis.cool-down", coolDown);
        }

        private static void positive(String key, Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(key + " must be positive, got " + value);
            }
        }
    }

    private final RedisClient client;
    private final boolean ownsClient;
    private final RedisURI uri;
    private final Settings settings;
    private final CircuitBreaker breaker;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final Connection shared;

    /** Sets {@code client}'s options (timeouts, no auto-reconnect); the caller keeps and shuts down the client. */
    public GuardedRedis(RedisClient client, String uri, Settings settings, Clock clock) {
        this(client, false, uri, settings, clock);
    }

    private GuardedRedis(RedisClient client, boolean ownsClient, String uri, Settings settings, Clock clock) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.uri = RedisURI.create(uri);
        this.uri.setTimeout(settings.commandTimeout());
        this.settings = settings;
        this.breaker = new CircuitBreaker(settings.coolDown(), clock);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(settings.connectTimeout()).build())
                // Each connection's own timeout (its URI's): a bulk connection's is longer.
                .timeoutOptions(TimeoutOptions.enabled())
                .build());
        this.shared = newConnection();
        shared.attempt(); // connect in the background now, so the first call need not wait for it
    }

    /** With a client of its own, shut down on {@link #close()}: for tools and tests. */
    public static GuardedRedis create(String uri, Settings settings) {
        return new GuardedRedis(RedisClient.create(), true, uri, settings, Clock.systemUTC());
    }

    /** {@link Connection#call(String, Function)} on the connection every user of this instance shares. */
    public <T> Optional<T> call(String what, Function<RedisAsyncCommands<byte[], byte[]>, RedisFuture<T>> command) {
        return shared.call(what, command);
    }

    /** {@link Connection#call(String, Duration, Function)} on the shared connection. */
    public <T> Optional<T> call(String what, Duration timeout,
                                Function<RedisAsyncCommands<byte[], byte[]>, RedisFuture<T>> command) {
        return shared.call(what, timeout, command);
    }

    /**
     * A connection of its own (opened on first use), for calls that must not queue behind another's (big writes);
     * it shares this instance's breaker and is closed with it.
     */
    public Connection newConnection() {
        return add(new Connection(settings.commandTimeout(), true));
    }

    /**
     * A connection of its own for big writes, whose commands may take up to {@code commandTimeout} (longer than the
     * {@link Settings#commandTimeout()}). One that takes longer is slow, not an outage: the call comes back empty and
     * the breaker is left as it is, so the other calls still go to Redis. Failing to reach Redis opens the breaker as
     * on any connection.
     */
    public Connection newBulkConnection(Duration commandTimeout) {
        Settings.positive("command timeout of a bulk connection", commandTimeout);
        return add(new Connection(commandTimeout, false));
    }

    private Connection add(Connection connection) {
        connections.add(connection);
        return connection;
    }

    /** PING through the breaker: true when Redis answered, false when it failed or is being skipped. */
    public boolean ping() {
        return call("PING", RedisAsyncCommands::ping).isPresent();
    }

    public CircuitBreaker.Status status() {
        return breaker.status();
    }

    public Settings settings() {
        return settings;
    }

    /** host:port, for messages. */
    public String address() {
        return uri.getHost() + ":" + uri.getPort();
    }

    @Override
    public void close() {
        connections.forEach(Connection::close);
        if (ownsClient) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private void failed(String what, String error) {
        if (breaker.failed(what + ": " + error)) {
            LOG.warn("Redis at {} is unreachable ({}: {}); it is skipped, and work goes on without it, for {} at a "
                            + "time (llm.redis.cool-down) until it answers again", address(), what, error,
                    settings.coolDown());
        } else {
            LOG.debug("Redis at {} still unreachable ({}: {})", address(), what, error);
        }
    }

    private void succeeded() {
        if (breaker.succeeded()) {
            LOG.info("Redis at {} answers again; it is used again", address());
        }
    }

    /** One Lettuce connection behind the shared breaker. */
    public final class Connection implements AutoCloseable {
        /** The connection, or the attempt at one: callers share it, and one slower than a caller waits is kept. */
        private CompletableFuture<StatefulRedisConnection<byte[], byte[]>> connecting;
        private final RedisURI connectionUri;
        private final Duration commandTimeout;
        /** Whether a command that runs out of time opens the breaker: false for bulk writes. */
        private final boolean timeoutIsOutage;

        private Connection(Duration commandTimeout, boolean timeoutIsOutage) {
            this.commandTimeout = commandTimeout;
            this.timeoutIsOutage = timeoutIsOutage;
            this.connectionUri = RedisURI.builder(uri).withTimeout(commandTimeout).build();
        }

        /** {@link #call(String, Duration, Function)} with this connection's command timeout. */
        public <T> Optional<T> call(String what, Function<RedisAsyncCommands<byte[], byte[]>, RedisFuture<T>> command) {
            return call(what, commandTimeout, command);
        }

        /**
         * Runs {@code command} and waits for its reply at most {@code timeout} (no longer than this connection's
         * command timeout).
         *
         * @param what names the call in log lines and health details
         * @return the reply; empty when Redis returned nil, failed, did not answer in time or is being skipped
         */
        public <T> Optional<T> call(String what, Duration timeout,
                                    Function<RedisAsyncCommands<byte[], byte[]>, RedisFuture<T>> command) {
            if (!breaker.allows()) {
                return Optional.empty();
            }
            RedisFuture<T> reply = null;
            try {
                reply = command.apply(open().async());
                T value = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                succeeded();
                return Optional.ofNullable(value);
            } catch (TimeoutException e) {
                reply.cancel(false);
                timedOut(what, "no answer within " + timeout.toMillis() + " ms");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RedisCommandExecutionException refused) {
                    succeeded(); // it answered: Redis is up, the command is at fault
                    LOG.warn("Redis at {} refused {}: {}", address(), what, refused.getMessage());
                } else if (cause instanceof RedisCommandTimeoutException) {
                    timedOut(what, String.valueOf(cause));
                } else {
                    failed(what, String.valueOf(cause));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (reply != null) {
                    reply.cancel(false);
                }
            } catch (RuntimeException e) {
                failed(what, e.toString());
            }
            return Optional.empty();
        }

        private void timedOut(String what, String error) {
            if (timeoutIsOutage) {
                failed(what, error);
            } else {
                LOG.warn("Redis at {} did not finish {} in time ({}): a slow bulk write, not an outage; Redis is "
                        + "still used", address(), what, error);
            }
        }

        /**
         * The open connection, waiting at most the connect timeout for it. A closed connection or a failed attempt
         * is replaced by a new attempt; one still under way is waited for, not replaced: a first connect in a cold
         * JVM can take longer than the timeout, and the next call the breaker lets through then finds it done.
         */
        private StatefulRedisConnection<byte[], byte[]> open() {
            CompletableFuture<StatefulRedisConnection<byte[], byte[]>> attempt = attempt();
            try {
                return attempt.get(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new RedisConnectionException("no connection within " + settings.connectTimeout().toMillis()
                        + " ms (llm.redis.connect-timeout)");
            } catch (ExecutionException e) {
                throw new RedisConnectionException("cannot connect: " + e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RedisConnectionException("interrupted while connecting");
            }
        }

        private synchronized CompletableFuture<StatefulRedisConnection<byte[], byte[]>> attempt() {
            if (connecting != null && connecting.isDone()) {
                StatefulRedisConnection<byte[], byte[]> done = connecting.isCompletedExceptionally()
                        ? null : connecting.join();
                if (done != null && done.isOpen()) {
                    return connecting;
                }
                if (done != null) {
                    done.closeAsync();
                }
                connecting = null;
            }
            if (connecting == null) {
                connecting = client.connectAsync(ByteArrayCodec.INSTANCE, connectionUri).toCompletableFuture();
            }
            return connecting;
        }

        @Override
        public synchronized void close() {
            if (connecting != null) {
                connecting.thenAccept(c -> {
                    if (c.isOpen()) {
                        c.closeAsync();
                    }
                });
                connecting = null;
            }
        }
    }
}
