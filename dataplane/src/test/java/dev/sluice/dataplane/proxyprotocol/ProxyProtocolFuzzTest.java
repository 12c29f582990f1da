package dev.sluice.dataplane.proxyprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.testing.BoundedFuzz;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.NetUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for the PROXY protocol front door: {@link ProxyProtocolAcceptor} on a connection
 * from a trusted peer, fed arbitrary bytes in several writes.
 *
 * <p>The contract: the connection is either closed, or it passes through, in which case exactly a
 * v1 line or a v2 header was cut off the front and every following byte comes out unchanged. The
 * client address attribute is set only when what was cut off really is a PROXY header for TCP over
 * IPv4/IPv6, and then holds the address written in it (checked by a separate, naive reading of the
 * header here). A connection still waiting for its header is closed by the header timeout. Nothing
 * escapes the pipeline; every buffer is released.
 */
class ProxyProtocolFuzzTest {
  private static final byte[] V2_SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  private final ProxyProtocolAcceptor acceptor =
      new ProxyProtocolAcceptor(
          new ProxyProtocolSettings(true, List.of("10.0.0.0/8")), new SimpleMeterRegistry());

  @FuzzTest(maxDuration = "5m")
  void accept(byte[] input) {
    InetSocketAddress peer = new InetSocketAddress("10.1.2.3", 51000);
    EmbeddedChannel ch =
        new EmbeddedChannel() {
          @Override
          protected SocketAddress remoteAddress0() {
            return peer;
          }
        };
    try {
      ch.pipeline().addFirst(ProxyProtocolAcceptor.NAME, acceptor);
      int[] cuts = BoundedFuzz.segments(input);
      for (int i = 1; i < cuts.length && ch.isOpen(); i++) {
        ch.writeInbound(Unpooled.wrappedBuffer(input, cuts[i - 1], cuts[i] - cuts[i - 1]));
      }
      ch.checkException();
      byte[] out = drain(ch);
      InetSocketAddress source = ch.attr(ClientAddress.KEY).get();
      boolean headerDone = ch.pipeline().get(ProxyHeaderListener.class) == null;
      if (ch.isOpen() && headerDone) {
        int headerLength = input.length - out.length;
        assertThat(headerLength).as("a header was removed").isPositive();
        assertThat(out).isEqualTo(Arrays.copyOfRange(input, headerLength, input.length));
        assertThat(headerLength).isLessThanOrEqualTo(ProxyProtocolSettings.MAX_HEADER_BYTES);
        byte[] header = Arrays.copyOf(input, headerLength);
        InetSocketAddress expected = naiveSource(header);
        assertThat(source).isEqualTo(expected);
        return;
      }
      if (ch.isOpen()) {
        assertThat(out).as("nothing passes before the header").isEmpty();
        ch.advanceTimeBy(ProxyProtocolSettings.DEFAULT_HEADER_TIMEOUT.toNanos() + 1, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("closed by the header timeout").isFalse();
      }
      assertThat(source).as("no client address from a refused header").isNull();
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  /**
   * The source address a PROXY header carries for TCP4/TCP6, or {@code null} (LOCAL, UNKNOWN, UDP,
   * UNIX), read straight from the spec's layout without Netty's decoder.
   */
  static InetSocketAddress naiveSource(byte[] header) {
    if (header.length >= 16 && Arrays.equals(Arrays.copyOf(header, 12), V2_SIGNATURE)) {
      int command = header[12] & 0x0f;
      int family = header[13] & 0xff;
      if (command != 1 || (family != 0x11 && family != 0x21)) {
        return null;
      }
      int addrLen = family == 0x11 ? 4 : 16;
      byte[] src = Arrays.copyOfRange(header, 16, 16 + addrLen);
      int portAt = 16 + 2 * addrLen;
      int port = ((header[portAt] & 0xff) << 8) | (header[portAt + 1] & 0xff);
      return new InetSocketAddress(address(src), port);
    }
    String line = new String(header, StandardCharsets.US_ASCII);
    assertThat(line).startsWith("PROXY ").endsWith("\r\n");
    String[] parts = line.substring(0, line.length() - 2).split(" ");
    if (!parts[1].equals("TCP4") && !parts[1].equals("TCP6")) {
      return null;
    }
    assertThat(parts).hasSize(6);
    // a literal only: never a DNS lookup from a test
    byte[] src = NetUtil.createByteArrayFromIpAddressString(parts[2]);
    assertThat(src).as("v1 source address literal in %s", line).isNotNull();
    return new InetSocketAddress(address(src), Integer.parseInt(parts[4]));
  }

  private static InetAddress address(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] drain(EmbeddedChannel ch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object m; (m = ch.readInbound()) != null; ) {
      ByteBuf b = (ByteBuf) m;
      out.writeBytes(ByteBufUtil.getBytes(b));
      b.release();
    }
    return out.toByteArray();
  }

  @Test
  @Timeout(120) // a hang guard only
  void boundedAccept() {
    BoundedFuzz.run(getClass(), "accept", this::accept);
  }
}
