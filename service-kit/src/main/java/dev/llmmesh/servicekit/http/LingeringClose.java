package dev.llmmesh.servicekit.http;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.netty.channel.ChannelPipelineCustomizer;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import jakarta.inject.Singleton;

import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP/1 connection the way a client can read its last answer: when the server ends a connection after
 * answering a request it has not read to its end (a request line or headers Netty refused, a body refused while it
 * still streams in), what the client is still sending must be read, not left unread: closing a socket with unread
 * input sends a reset, and a client that is still writing could lose the answer with the connection ("header parser
 * received no bytes", about one in fifteen times in MalformedInputTest for a long request line with a 256 KB body).
 * So after such an answer the output is shut down (the client reads the answer, then the end)
 * and the input read and dropped until the client closes its side, for at most {@link #LINGER_MILLIS} and
 * {@link #LINGER_BYTES}, as web servers' "lingering close" does.
 */
@Singleton
final class LingeringClose implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {
    static final long LINGER_MILLIS = 5_000;
    static final long LINGER_BYTES = 64L * 1024 * 1024;

    @Override
    public NettyServerCustomizer.Registry onCreated(BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        NettyServerCustomizer.Registry registry = event.getBean();
        registry.register(new Customizer(null));
        return registry;
    }

    private record Customizer(Channel channel) implements NettyServerCustomizer {
        @Override
        public NettyServerCustomizer specializeForChannel(Channel channel, ChannelRole role) {
            return role == ChannelRole.CONNECTION ? new Customizer(channel) : this;
        }

        @Override
        public void onStreamPipelineBuilt() {
            // Only plain HTTP/1 has the codec; HTTP/2 ends streams, not connections, on a refusal.
            String codec = ChannelPipelineCustomizer.HANDLER_HTTP_SERVER_CODEC;
            if (channel != null && channel.pipeline().get(codec) != null) {
                channel.pipeline().addAfter(codec, "lingering-close", new Handler());
            }
        }
    }

    /** Between the HTTP codec and Micronaut: sees each answer's head going out and each close asked for. */
    static final class Handler extends ChannelDuplexHandler {
        private boolean closeAnswered;
        private boolean lingering;
        private long dropped;
        private ScheduledFuture<?> deadline;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof HttpResponse response && !HttpUtil.isKeepAlive(response)) {
                closeAnswered = true;
            }
            super.write(ctx, msg, promise);
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
            if (lingering) {
                // Asked again (a shutdown, an idle timer): the linger ends within its bounds anyway.
                ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
                return;
            }
            // Any other close (idle, shutdown, a keep-alive connection's end) has nothing unread to care about.
            if (!closeAnswered || !(ctx.channel() instanceof DuplexChannel duplex) || !duplex.isActive()
                    || duplex.isOutputShutdown()) {
                super.close(ctx, promise);
                return;
            }
            lingering = true;
            // The answer was written before the close was asked for; what shuts down now is the output after it.
            duplex.shutdownOutput();
            ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
            deadline = ctx.executor().schedule(() -> end(ctx), LINGER_MILLIS, TimeUnit.MILLISECONDS);
            // Micronaut reads only what it asks for; from now on everything is read, and dropped below.
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (!lingering) {
                super.channelRead(ctx, msg);
                return;
            }
            if (msg instanceof ByteBufHolder holder) {
                dropped += holder.content().readableBytes();
            }
            ReferenceCountUtil.release(msg);
            if (dropped > LINGER_BYTES) {
                end(ctx);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
            if (!lingering) {
                super.channelReadComplete(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
            if (!lingering) {
                super.exceptionCaught(ctx, cause);
                return;
            }
            // The client reset the connection, or sent more garbage: the answer is out, so this is the end.
            end(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (lingering && evt instanceof ChannelInputShutdownEvent) {
                // Half-closure allowed: the client's end of its request is the end of the linger.
                end(ctx);
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (deadline != null) {
                deadline.cancel(false);
            }
            super.channelInactive(ctx);
        }

        /** The real close, past this handler. */
        private static void end(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }
}
