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
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.AttributeKey;
import io.netty.util.Mapping;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLException;
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
 *
 * <p>HTTPS: {@link #startTls} serves the same endpoints over TLS with a given certificate; {@link
 * #startTlsOrPlain} accepts both on one port (the first byte decides), which lets tests prove that
 * plain and TLS upstream connections to one address are kept apart. It records the SNI name of
 * every TLS connection ({@link #sniNames}; {@code ""} when the client sent none), and {@code /echo}
 * on a TLS connection adds {@code "tls":"<sni>"} to its JSON.
 */
public final class TestBackend implements AutoCloseable {
  private final String name;
  private final EventLoopGroup group;
  private final Channel listener;
  private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger tlsConnections = new AtomicInteger();
  private final List<String> sniNames = new CopyOnWriteArrayList<>();
  private final SslContext tls;
  private final boolean plainToo;

  private TestBackend(String name) throws InterruptedException {
    this(name, null, false);
  }

  private TestBackend(String name, SslContext tls, boolean plainToo) throws InterruptedException {
    this.name = name;
    this.tls = tls;
    this.plainToo = plainToo;
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
                    if (tls != null) {
                      ch.pipeline()
                          .addLast(plainToo ? new TlsOrPlain() : new RecordingSniHandler());
                    }
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

  /**
   * Starts a backend that serves HTTPS only, with {@code certificate} (the provider Sluice uses for
   * its listeners: BoringSSL when it loads).
   */
  public static TestBackend startTls(String name, TestCa.Issued certificate) {
    return startTls(name, certificate, false);
  }

  /** As {@link #startTls}, but a connection whose first byte is no TLS record is served plain. */
  public static TestBackend startTlsOrPlain(String name, TestCa.Issued certificate) {
    return startTls(name, certificate, true);
  }

  private static TestBackend startTls(String name, TestCa.Issued certificate, boolean plainToo) {
    try {
      SslContext context =
          SslContextBuilder.forServer(
                  new ByteArrayInputStream(certificate.chainPem().getBytes(StandardCharsets.US_ASCII)),
                  new ByteArrayInputStream(certificate.keyPem().getBytes(StandardCharsets.US_ASCII)))
              .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
              .build();
      return new TestBackend(name, context, plainToo);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (SSLException e) {
      throw new IllegalStateException("test certificate refused", e);
    }
  }

  public String name() {
    return name;
  }

  /** SNI names of the TLS connections so far, in order ({@code ""}: no SNI sent). */
  public List<String> sniNames() {
    return List.copyOf(sniNames);
  }

  /** TLS connections (ClientHellos received) since start or {@link #resetCounters}. */
  public int tlsConnections() {
    return tlsConnections.get();
  }

  /** The SNI name of a TLS connection, or {@code null} for a plain one. */
  static String sniOf(Channel ch) {
    return ch.attr(SNI).get();
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
    tlsConnections.set(0);
    sniNames.clear();
  }

  private static final AttributeKey<String> SNI = AttributeKey.valueOf("test-backend-sni");

  /** Serves TLS with the one context and records the SNI name the client sent. */
  private final class RecordingSniHandler extends SniHandler {
    RecordingSniHandler() {
      super((Mapping<String, SslContext>) host -> tls);
    }

    @Override
    protected void replaceHandler(ChannelHandlerContext ctx, String hostname, SslContext context)
        throws Exception {
      String sni = hostname == null ? "" : hostname;
      tlsConnections.incrementAndGet();
      sniNames.add(sni);
      ctx.channel().attr(SNI).set(sni);
      super.replaceHandler(ctx, hostname, context);
    }
  }

  /** First byte 0x16 (a TLS handshake record): TLS; anything else: plain HTTP. */
  private final class TlsOrPlain extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      if (!in.isReadable()) {
        return;
      }
      if (in.getByte(in.readerIndex()) == 0x16) {
        ctx.pipeline().replace(this, "sni", new RecordingSniHandler());
      } else {
        ctx.pipeline().remove(this); // the buffered bytes go on to the HTTP codec
      }
    }
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
