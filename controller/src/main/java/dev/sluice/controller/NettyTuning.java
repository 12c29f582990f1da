package dev.sluice.controller;

/**
 * JVM-wide Netty switches that must be set before the first Netty class loads, so {@link Main}
 * applies them first thing.
 *
 * <p>On Java 25+, Netty 4.2 turns {@code sun.misc.Unsafe} off by default and falls back to {@code
 * ByteBuffer} accessors, whose per-byte bounds and session checks showed up at the top of the
 * HTTP/1.1 profile (header encoding into direct buffers, {@code java.nio.Buffer.session()}). The
 * JDK still allows the memory-access methods there (with a one-line warning unless the launcher
 * passes {@code --sun-misc-unsafe-memory-access=allow}, as {@code bin/sluice} does), so Sluice asks
 * Netty to use them unless the user decided otherwise with {@code -Dio.netty.noUnsafe}.
 */
final class NettyTuning {
  private NettyTuning() {}

  static void apply() {
    if (Runtime.version().feature() >= 25 && System.getProperty("io.netty.noUnsafe") == null) {
      System.setProperty("io.netty.noUnsafe", "false");
    }
  }
}
