package dev.sluice.dataplane.h2;

import dev.sluice.dataplane.proxy.ProxyConfig;
import dev.sluice.dataplane.server.ServerSettings;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * Serves HTTP/2 from clients on a connection whose protocol is already decided (TLS with ALPN
 * {@code h2}). Netty's model: one connection pipeline
 *
 * <pre>
 *   ... (TLS) -> h2 (Http2FrameCodec) -> h2-multiplex (Http2MultiplexHandler) -> h2-connection
 * </pre>
 *
 * and one child channel per stream, on the connection's event loop:
 *
 * <pre>
 *   http (Http2StreamFrameToHttpObjectCodec) -> h2-request (StreamRequestAdapter) -> proxy (ProxyHandler)
 * </pre>
 *
 * so a stream is proxied by the same {@code ProxyHandler} as an HTTP/1.1 connection: the same
 * routing, forwarded headers, error pages, upstream pools (the stream runs on the connection's
 * loop, so it draws from that loop's pool) and backpressure. Stream channels read explicitly; a
 * stream that is not read stops returning flow-control credit, so its client stops sending after
 * one stream window while the other streams go on.
 *
 * <p>Limits and flood defences: see {@link H2Limits}; each stream also gets the HTTP/1.1 request
 * guards that apply to it (header count 431, body size 413, body read timeout 408; {@link
 * StreamInitializer}). What the codec sends when a limit is crossed is counted in {@link H2Metrics}.
 *
 * <p>Upstreams are HTTP/1.1 (and HTTPS when the pool speaks it); HTTP/2 to upstreams is not done
 * here.
 */
public final class Http2Downstream {
  /** Pipeline names on the connection. */
  public static final String CODEC = "h2";

  public static final String MULTIPLEX = "h2-multiplex";
  public static final String CONNECTION = "h2-connection";

  private Http2Downstream() {}

  /**
   * Adds the HTTP/2 handlers at the end of {@code pipeline} with {@link H2Limits#from} {@code
   * settings}. Call it on the connection's event loop once ALPN selected {@code h2} (the client
   * preface is the next thing on the wire). Sets AUTO_READ on the connection: HTTP/2 must always
   * read (PING, SETTINGS, WINDOW_UPDATE, other streams); backpressure is per stream.
   */
  public static void install(ChannelPipeline pipeline, ProxyConfig config, ServerSettings settings) {
    install(pipeline, config, H2Limits.from(settings));
  }

  /** As {@link #install(ChannelPipeline, ProxyConfig, ServerSettings)} with explicit limits. */
  public static void install(ChannelPipeline pipeline, ProxyConfig config, H2Limits limits) {
    Http2Settings initial =
        Http2Settings.defaultSettings()
            .maxConcurrentStreams(limits.maxConcurrentStreams())
            .initialWindowSize(limits.initialStreamWindow())
            .maxHeaderListSize(limits.maxHeaderListSize())
            .headerTableSize(limits.headerTableSize())
            .maxFrameSize(limits.maxFrameSize());
    Http2FrameCodec codec =
        Http2FrameCodecBuilder.forServer()
            .initialSettings(initial)
            .validateHeaders(true)
            .gracefulShutdownTimeoutMillis(limits.gracefulShutdownTimeout().toMillis())
            .decoderEnforceMaxRstFramesPerWindow(
                limits.maxRstFramesPerWindow(), (int) limits.rstWindow().toSeconds())
            .decoderEnforceMaxSmallContinuationFrames(limits.maxSmallContinuationFrames())
            .decoderEnforceMaxConsecutiveEmptyDataFrames(limits.maxConsecutiveEmptyDataFrames())
            .encoderEnforceMaxQueuedControlFrames(limits.maxQueuedControlFrames())
            // counts the GOAWAY / RST_STREAM frames the codec sends when a limit is crossed
            .frameLogger(config.errors().h2().frameLogger())
            .build();
    pipeline.addLast(CODEC, codec);
    pipeline.addLast(
        MULTIPLEX, new Http2MultiplexHandler(new StreamInitializer(config, limits.requestLimits())));
    pipeline.addLast(
        CONNECTION,
        new H2ConnectionHandler(codec.connection(), limits, config.errors().idleCloses()));
  }
}
