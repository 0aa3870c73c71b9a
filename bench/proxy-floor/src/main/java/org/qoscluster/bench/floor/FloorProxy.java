package org.qoscluster.bench.floor;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * The floor of a reverse proxy in Java, a benchmark reference beside HAProxy: HTTP/1.1 on Netty,
 * no routing logic. Each request goes to the node with the fewest requests in flight from the
 * event loop that read it, over that loop's own pool of keep-alive connections, so a request and
 * its answer never leave the thread that read the request. It adds {@code X-Forwarded-For} and
 * nothing else; a node that fails answers 502. Not a router: no identity, no class, no goals,
 * no time-outs, no limits on slow or large clients.
 *
 * <p>With {@code -Dfloor.node-threads=N} the node connections run on N event loops of their own
 * instead, so that each request and each answer crosses from one thread to another, as they do
 * between a server's and a client's threads.
 *
 * <pre>java -cp ... org.qoscluster.bench.floor.FloorProxy PORT NODE_PORT,NODE_PORT... [-Dfloor.threads=2] [-Dfloor.epoll=true] [-Dfloor.node-threads=N]</pre>
 */
public final class FloorProxy {

    private static final AttributeKey<Channel> USER = AttributeKey.valueOf("user");
    private static final AttributeKey<Integer> NODE = AttributeKey.valueOf("node");

    private final InetSocketAddress[] nodes;
    private final boolean epoll;
    /** The event loops of the node connections when they are not the user connections' loops; else null. */
    private final EventLoopGroup nodeLoops;
    /** Each event loop's idle connections and requests in flight, per node; used on that loop only. */
    private final FastThreadLocal<Pools> pools = new FastThreadLocal<>() {
        @Override
        protected Pools initialValue() {
            return new Pools(nodes.length);
        }
    };

    private FloorProxy(InetSocketAddress[] nodes, boolean epoll, int nodeLoopThreads) {
        this.nodes = nodes;
        this.epoll = epoll;
        this.nodeLoops = nodeLoopThreads > 0 ? loops(nodeLoopThreads) : null;
    }

    private EventLoopGroup loops(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: FloorProxy PORT NODE_PORT,NODE_PORT...");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String[] ports = args[1].split(",");
        InetSocketAddress[] nodes = new InetSocketAddress[ports.length];
        for (int i = 0; i < ports.length; i++) {
            nodes[i] = new InetSocketAddress("127.0.0.1", Integer.parseInt(ports[i].trim()));
        }
        boolean epoll = Boolean.getBoolean("floor.epoll");
        int threads = Integer.getInteger("floor.threads", 2);
        int nodeThreads = Integer.getInteger("floor.node-threads", 0);
        new FloorProxy(nodes, epoll, nodeThreads).serve(port, threads);
        System.out.println("floor proxy on 127.0.0.1:" + port + ", " + (epoll ? "epoll" : "nio") + ", " + threads + " threads"
                + (nodeThreads > 0 ? ", node connections on " + nodeThreads + " threads of their own" : ""));
    }

    private void serve(int port, int threads) throws InterruptedException {
        new ServerBootstrap().group(loops(threads))
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new HttpServerKeepAliveHandler(), new FromUser());
                    }
                })
                .bind("127.0.0.1", port).sync();
    }

    private static final class Pools {
        final ArrayDeque<Channel>[] idle;
        final int[] inFlight;

        @SuppressWarnings("unchecked")
        Pools(int n) {
            idle = new ArrayDeque[n];
            inFlight = new int[n];
            for (int i = 0; i < n; i++) {
                idle[i] = new ArrayDeque<>();
            }
        }
    }

    private final class FromUser extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            request.retain();
            if (nodeLoops == null) {
                forward(ctx.channel(), request, ctx.channel().eventLoop());
            } else {
                EventLoop loop = nodeLoops.next();
                loop.execute(() -> forward(ctx.channel(), request, loop));
            }
        }

        /** On {@code loop}, the thread of the node connections it uses. */
        private void forward(Channel user, FullHttpRequest request, EventLoop loop) {
            Pools p = pools.get();
            int node = 0;
            for (int i = 1; i < nodes.length; i++) {
                if (p.inFlight[i] < p.inFlight[node]) {
                    node = i;
                }
            }
            p.inFlight[node]++;
            request.headers().set("X-Forwarded-For", "127.0.0.1");
            Channel upstream = p.idle[node].pollLast();
            while (upstream != null && !upstream.isActive()) {
                upstream = p.idle[node].pollLast();
            }
            if (upstream != null) {
                upstream.attr(USER).set(user);
                upstream.writeAndFlush(request);
                return;
            }
            int chosen = node;
            new Bootstrap().group(loop)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.attr(NODE).set(chosen);
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(16 << 20), new FromNode());
                        }
                    })
                    .connect(nodes[node]).addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            f.channel().attr(USER).set(user);
                            f.channel().writeAndFlush(request);
                        } else {
                            request.release();
                            p.inFlight[chosen]--;
                            badGateway(user);
                        }
                    });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private final class FromNode extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse answer) {
            Channel user = ctx.channel().attr(USER).getAndSet(null);
            int node = ctx.channel().attr(NODE).get();
            Pools p = pools.get();
            p.inFlight[node]--;
            if (HttpUtil.isKeepAlive(answer)) {
                p.idle[node].addLast(ctx.channel());
            } else {
                ctx.close();
            }
            if (user != null) {
                user.writeAndFlush(answer.retain());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Channel user = ctx.channel().attr(USER).getAndSet(null);
            if (user != null) {
                pools.get().inFlight[ctx.channel().attr(NODE).get()]--;
                badGateway(user);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static void badGateway(Channel user) {
        FullHttpResponse answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY, Unpooled.EMPTY_BUFFER);
        answer.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        user.writeAndFlush(answer);
    }
}
