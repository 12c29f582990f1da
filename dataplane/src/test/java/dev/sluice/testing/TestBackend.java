package dev.sluice.testing;

import dev.sluice.dataplane.snapshot.Endpoint;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

/**
 * A real HTTP/1.1 server on 127.0.0.1 and an ephemeral port, for tests that need an upstream. It
 * answers:
 *
 * <ul>
 *   <li>{@code /echo} (and any path not listed here): JSON with its {@link #name()}, the method,
 *       uri, headers (lower-case names) and body length it received;
 *   <li>{@code /bytes?n=N}: N bytes of {@link #patternByte} generated on the fly, chunked (add
 *       {@code &cl=1} for a Content-Length response instead);
 *   <li>{@code /drip?chunks=N&ms=M}: N small chunks, one every M ms (a slow download);
 *   <li>{@code /upload}: consumes a body of any size as it streams in and answers {@code bytes=N
 *       crc32=X} ({@code ?pauseMs=M}: stops reading for M ms after the first bytes, a slow
 *       consumer);
 *   <li>{@code /slow?ms=N}: delays the response head by N ms;
 *   <li>{@code /status?code=N}: answers with that status;
 *   <li>{@code /close}: closes the connection without answering;
 *   <li>{@code /truncate?n=N}: promises N bytes (Content-Length), sends half, closes;
 *   <li>{@code /ws}: WebSocket echo (text and binary);
 *   <li>{@code ?sts=V} on any answer of a single body: adds {@code Strict-Transport-Security: V}.
 * </ul>
 *
 * It counts accepted TCP connections and requests. Thread safety: counters are atomics; the rest
 * runs on its own event loop.
 */
public final class TestBackend implements AutoCloseable {
  private final String name;
  private final EventLoopGroup group;
  private final Channel listener;
  private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();

  private TestBackend(String name) throws InterruptedException {
    this.name = name;
    this.group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("backend-" + name), NioIoHandler.newFactory());
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 256)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    connections.incrementAndGet();
                    children.add(ch);
                    open.incrementAndGet();
                    ch.closeFuture().addListener(f -> open.decrementAndGet());
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new ChunkedWriteHandler())
                        .addLast(BackendHandler.NAME, new BackendHandler(TestBackend.this));
                  }
                });
    try {
      listener = b.bind("127.0.0.1", 0).sync().channel();
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** Starts a backend that reports {@code name} in its answers. */
  public static TestBackend start(String name) {
    try {
      return new TestBackend(name);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String name() {
    return name;
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** A ready endpoint of weight 1 pointing here. */
  public Endpoint endpoint() {
    return Endpoint.of("127.0.0.1", port());
  }

  public Endpoint endpoint(int weight) {
    return new Endpoint("127.0.0.1", port(), weight, true);
  }

  /** TCP connections accepted since start (or the last {@link #resetCounters}). */
  public int connections() {
    return connections.get();
  }

  /** TCP connections open right now. */
  public int openConnections() {
    return open.get();
  }

  /** Request heads received since start (or the last {@link #resetCounters}). */
  public int requests() {
    return requests.get();
  }

  /** Closes every open connection (as a backend restart or its idle timeout would). */
  public void closeConnections() {
    children.close().syncUninterruptibly();
  }

  public void resetCounters() {
    connections.set(0);
    requests.set(0);
  }

  /** Byte {@code i} of every generated body: a pattern that catches reordering and loss. */
  public static byte patternByte(long i) {
    return (byte) (i % 251);
  }

  /** CRC32 of the first {@code n} pattern bytes, as {@code /upload} reports it. */
  public static long patternCrc(long n) {
    CRC32 crc = new CRC32();
    byte[] block = new byte[64 * 1024];
    long done = 0;
    while (done < n) {
      int len = (int) Math.min(block.length, n - done);
      for (int j = 0; j < len; j++) {
        block[j] = patternByte(done + j);
      }
      crc.update(block, 0, len);
      done += len;
    }
    return crc.getValue();
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Override
  public String toString() {
    return "TestBackend[" + name + " @ 127.0.0.1:" + port() + "]";
  }
}
