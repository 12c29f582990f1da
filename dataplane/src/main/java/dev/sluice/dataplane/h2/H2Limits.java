package dev.sluice.dataplane.h2;

import dev.sluice.dataplane.server.Limits;
import dev.sluice.dataplane.server.ServerSettings;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.time.Duration;
import java.util.Objects;

/**
 * The limits of one HTTP/2 connection from a client, what its SETTINGS frame announces and what
 * the decoder enforces. Immutable; built once per listener.
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>limit</th><th>default</th><th>why</th></tr>
 *   <tr><td>max concurrent streams</td><td>128</td><td>nginx's default; bounds upstream
 *       connections and buffered request bytes per client connection</td></tr>
 *   <tr><td>initial stream window</td><td>65,535</td><td>the protocol default: at most this much of
 *       one request body is buffered before the upstream takes it</td></tr>
 *   <tr><td>connection window</td><td>max streams x stream window (~8 MiB)</td><td>so one stalled
 *       stream can never starve the other streams of the connection</td></tr>
 *   <tr><td>max header list size</td><td>{@link ServerSettings#maxHeaderSize()} (16 KiB)</td>
 *       <td>same budget as HTTP/1.1; a larger request gets 431</td></tr>
 *   <tr><td>HPACK table size</td><td>4,096</td><td>protocol default</td></tr>
 *   <tr><td>max frame size</td><td>16,384</td><td>protocol default</td></tr>
 *   <tr><td>RST_STREAM frames per window</td><td>200 per 30 s</td><td>rapid reset (CVE-2023-44487):
 *       more closes the connection with GOAWAY ENHANCE_YOUR_CALM</td></tr>
 *   <tr><td>small CONTINUATION frames</td><td>16</td><td>CONTINUATION flood (2024): more small
 *       fragments of one header block closes the connection</td></tr>
 *   <tr><td>consecutive empty DATA frames</td><td>2</td><td>empty-frame flood (CVE-2019-9518)</td></tr>
 *   <tr><td>queued control frames</td><td>10,000</td><td>PING/SETTINGS floods from a client that
 *       does not read (CVE-2019-9512/9515)</td></tr>
 *   <tr><td>idle timeout</td><td>{@link ServerSettings#idleTimeout()} (60 s)</td><td>a connection
 *       without an open stream this long is closed with GOAWAY</td></tr>
 *   <tr><td>graceful shutdown</td><td>5 s</td><td>after GOAWAY, streams in flight get this long</td></tr>
 *   <tr><td>request limits</td><td>{@link ServerSettings#limits()}</td><td>header count (431), body
 *       size (413) and body read timeout (408) per stream, as on HTTP/1.1</td></tr>
 * </table>
 */
public record H2Limits(
    int maxConcurrentStreams,
    int initialStreamWindow,
    int connectionWindow,
    long maxHeaderListSize,
    long headerTableSize,
    int maxFrameSize,
    int maxRstFramesPerWindow,
    Duration rstWindow,
    int maxSmallContinuationFrames,
    int maxConsecutiveEmptyDataFrames,
    int maxQueuedControlFrames,
    Duration idleTimeout,
    Duration gracefulShutdownTimeout,
    Limits requestLimits) {

  public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 128;
  public static final int DEFAULT_INITIAL_STREAM_WINDOW = Http2CodecUtil.DEFAULT_WINDOW_SIZE;
  public static final long DEFAULT_HEADER_TABLE_SIZE = Http2CodecUtil.DEFAULT_HEADER_TABLE_SIZE;
  public static final int DEFAULT_MAX_FRAME_SIZE = Http2CodecUtil.DEFAULT_MAX_FRAME_SIZE;
  public static final int DEFAULT_MAX_RST_FRAMES_PER_WINDOW = 200;
  public static final Duration DEFAULT_RST_WINDOW = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_SMALL_CONTINUATION_FRAMES = 16;
  public static final int DEFAULT_MAX_CONSECUTIVE_EMPTY_DATA_FRAMES = 2;
  public static final int DEFAULT_MAX_QUEUED_CONTROL_FRAMES = 10_000;
  public static final Duration DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  public H2Limits {
    positive(maxConcurrentStreams, "maxConcurrentStreams");
    if (initialStreamWindow < 1 || initialStreamWindow > Http2CodecUtil.MAX_INITIAL_WINDOW_SIZE) {
      throw new IllegalArgumentException("initialStreamWindow out of range: " + initialStreamWindow);
    }
    // the connection window starts at 65,535 by protocol; it can only be raised
    if (connectionWindow < Http2CodecUtil.DEFAULT_WINDOW_SIZE) {
      throw new IllegalArgumentException(
          "connectionWindow must be >= " + Http2CodecUtil.DEFAULT_WINDOW_SIZE + ": " + connectionWindow);
    }
    if (maxHeaderListSize < 1 || maxHeaderListSize > Http2CodecUtil.MAX_HEADER_LIST_SIZE) {
      throw new IllegalArgumentException("maxHeaderListSize out of range: " + maxHeaderListSize);
    }
    if (headerTableSize < 0 || headerTableSize > Http2CodecUtil.MAX_HEADER_TABLE_SIZE) {
      throw new IllegalArgumentException("headerTableSize out of range: " + headerTableSize);
    }
    if (maxFrameSize < Http2CodecUtil.MAX_FRAME_SIZE_LOWER_BOUND
        || maxFrameSize > Http2CodecUtil.MAX_FRAME_SIZE_UPPER_BOUND) {
      throw new IllegalArgumentException("maxFrameSize out of range: " + maxFrameSize);
    }
    positive(maxRstFramesPerWindow, "maxRstFramesPerWindow");
    Objects.requireNonNull(rstWindow, "rstWindow");
    if (rstWindow.toSeconds() < 1 || rstWindow.toSeconds() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("rstWindow must be whole seconds >= 1: " + rstWindow);
    }
    positive(maxSmallContinuationFrames, "maxSmallContinuationFrames");
    positive(maxConsecutiveEmptyDataFrames, "maxConsecutiveEmptyDataFrames");
    positive(maxQueuedControlFrames, "maxQueuedControlFrames");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(gracefulShutdownTimeout, "gracefulShutdownTimeout");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idleTimeout must be > 0: " + idleTimeout);
    }
    Objects.requireNonNull(requestLimits, "requestLimits");
  }

  private static void positive(int v, String name) {
    if (v < 1) {
      throw new IllegalArgumentException(name + " must be >= 1: " + v);
    }
  }

  /**
   * The defaults above, with header list size, idle timeout and the per-request limits (header
   * count, body size, body read timeout) taken from the listener's settings.
   */
  public static H2Limits from(ServerSettings settings) {
    return builder()
        .maxHeaderListSize(settings.maxHeaderSize())
        .idleTimeout(settings.idleTimeout())
        .requestLimits(settings.limits())
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .maxConcurrentStreams(maxConcurrentStreams)
        .initialStreamWindow(initialStreamWindow)
        .connectionWindow(connectionWindow)
        .maxHeaderListSize(maxHeaderListSize)
        .headerTableSize(headerTableSize)
        .maxFrameSize(maxFrameSize)
        .rstFloodLimit(maxRstFramesPerWindow, rstWindow)
        .maxSmallContinuationFrames(maxSmallContinuationFrames)
        .maxConsecutiveEmptyDataFrames(maxConsecutiveEmptyDataFrames)
        .maxQueuedControlFrames(maxQueuedControlFrames)
        .idleTimeout(idleTimeout)
        .gracefulShutdownTimeout(gracefulShutdownTimeout)
        .requestLimits(requestLimits);
  }

  /**
   * Builder with the defaults above. Unless set explicitly, the connection window follows the
   * other two: max concurrent streams x initial stream window (capped at 2^31-1).
   */
  public static final class Builder {
    private int maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
    private int initialStreamWindow = DEFAULT_INITIAL_STREAM_WINDOW;
    private int connectionWindow = -1;
    private long maxHeaderListSize = ServerSettings.DEFAULT_MAX_HEADER_SIZE;
    private long headerTableSize = DEFAULT_HEADER_TABLE_SIZE;
    private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
    private int maxRstFramesPerWindow = DEFAULT_MAX_RST_FRAMES_PER_WINDOW;
    private Duration rstWindow = DEFAULT_RST_WINDOW;
    private int maxSmallContinuationFrames = DEFAULT_MAX_SMALL_CONTINUATION_FRAMES;
    private int maxConsecutiveEmptyDataFrames = DEFAULT_MAX_CONSECUTIVE_EMPTY_DATA_FRAMES;
    private int maxQueuedControlFrames = DEFAULT_MAX_QUEUED_CONTROL_FRAMES;
    private Duration idleTimeout = ServerSettings.DEFAULT_IDLE_TIMEOUT;
    private Duration gracefulShutdownTimeout = DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT;
    private Limits requestLimits = Limits.DEFAULTS;

    public Builder maxConcurrentStreams(int v) { maxConcurrentStreams = v; return this; }
    public Builder initialStreamWindow(int v) { initialStreamWindow = v; return this; }
    public Builder connectionWindow(int v) { connectionWindow = v; return this; }
    public Builder maxHeaderListSize(long v) { maxHeaderListSize = v; return this; }
    public Builder headerTableSize(long v) { headerTableSize = v; return this; }
    public Builder maxFrameSize(int v) { maxFrameSize = v; return this; }

    public Builder rstFloodLimit(int frames, Duration window) {
      maxRstFramesPerWindow = frames;
      rstWindow = window;
      return this;
    }

    public Builder maxSmallContinuationFrames(int v) { maxSmallContinuationFrames = v; return this; }
    public Builder maxConsecutiveEmptyDataFrames(int v) { maxConsecutiveEmptyDataFrames = v; return this; }
    public Builder maxQueuedControlFrames(int v) { maxQueuedControlFrames = v; return this; }
    public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
    public Builder gracefulShutdownTimeout(Duration v) { gracefulShutdownTimeout = v; return this; }
    /** Per-request limits applied to each stream: header count, body size, body read timeout. */
    public Builder requestLimits(Limits v) { requestLimits = v; return this; }

    public H2Limits build() {
      int window =
          connectionWindow >= 0
              ? connectionWindow
              : (int)
                  Math.max(
                      Http2CodecUtil.DEFAULT_WINDOW_SIZE,
                      Math.min(Integer.MAX_VALUE, (long) maxConcurrentStreams * initialStreamWindow));
      return new H2Limits(
          maxConcurrentStreams, initialStreamWindow, window,
          maxHeaderListSize, headerTableSize, maxFrameSize, maxRstFramesPerWindow, rstWindow,
          maxSmallContinuationFrames, maxConsecutiveEmptyDataFrames, maxQueuedControlFrames,
          idleTimeout, gracefulShutdownTimeout, requestLimits);
    }
  }
}
