package dev.sluice.dataplane.tls;

import static dev.sluice.dataplane.tls.ClientHellos.alpn;
import static dev.sluice.dataplane.tls.ClientHellos.body;
import static dev.sluice.dataplane.tls.ClientHellos.padding;
import static dev.sluice.dataplane.tls.ClientHellos.record;
import static dev.sluice.dataplane.tls.ClientHellos.sni;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClientHelloSnifferTest {

  private static final byte[] AFTER_HELLO = "bytes that follow the hello".getBytes(StandardCharsets.US_ASCII);

  private final ClientHelloRejections rejections = new ClientHelloRejections();
  private final List<ClientHelloInfo> dispatched = new ArrayList<>();

  private EmbeddedChannel channel(SnifferSettings settings) {
    return new EmbeddedChannel(
        new ClientHelloSniffer((ctx, hello) -> dispatched.add(hello), settings, rejections));
  }

  private EmbeddedChannel channel() {
    return channel(SnifferSettings.defaults());
  }

  /** Everything that came out of the sniffer, released. */
  private static byte[] drain(EmbeddedChannel ch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object m; (m = ch.readInbound()) != null; ) {
      ByteBuf b = (ByteBuf) m;
      out.writeBytes(ByteBufUtil.getBytes(b));
      b.release();
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  @Test
  void splitAtEveryOffsetYieldsSameHelloAndForwardsIdenticalBytes() throws Exception {
    byte[] hello = ClientHellos.fromJdk("app.example.test", List.of("h2", "http/1.1"));
    byte[] input = concat(hello, AFTER_HELLO);
    ClientHelloInfo expected = ClientHelloParser.parse(ClientHellos.body(hello));
    for (int split = 1; split < input.length; split++) {
      EmbeddedChannel ch = channel();
      ch.writeInbound(Unpooled.wrappedBuffer(input, 0, split));
      ch.writeInbound(Unpooled.wrappedBuffer(input, split, input.length - split));
      assertThat(drain(ch)).as("split at %d", split).isEqualTo(input);
      assertThat(ch.pipeline().get(ClientHelloSniffer.class)).isNull();
      assertThat(ch.finishAndReleaseAll()).isFalse();
    }
    assertThat(dispatched).hasSize(input.length - 1).allMatch(expected::equals);
    assertThat(rejections.total()).isZero();
  }

  @Test
  void oneByteAtATimeYieldsSameHello() throws Exception {
    byte[] hello = ClientHellos.fromJdk("app.example.test", List.of("h2", "http/1.1"));
    EmbeddedChannel ch = channel();
    for (byte b : hello) {
      assertThat(dispatched).isEmpty();
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    assertThat(dispatched).singleElement().satisfies(h -> {
      assertThat(h.serverName()).isEqualTo("app.example.test");
      assertThat(h.alpnProtocols()).containsExactly("h2", "http/1.1");
    });
    assertThat(drain(ch)).isEqualTo(hello);
    ch.finishAndReleaseAll();
  }

  @Test
  void clientHelloSpreadOverSeveralRecordsAtEveryOffset() throws Exception {
    byte[] hello = ClientHellos.fromJdk("app.example.test", List.of("h2"));
    byte[] threeRecords = ClientHellos.records(ClientHellos.handshakeMessage(hello), 100);
    assertThat(threeRecords.length).isGreaterThan(hello.length + 10);
    for (int split = 1; split < threeRecords.length; split += 7) {
      EmbeddedChannel ch = channel();
      ch.writeInbound(Unpooled.wrappedBuffer(threeRecords, 0, split));
      ch.writeInbound(Unpooled.wrappedBuffer(threeRecords, split, threeRecords.length - split));
      assertThat(drain(ch)).isEqualTo(threeRecords);
      ch.finishAndReleaseAll();
    }
    assertThat(dispatched).allMatch(h -> "app.example.test".equals(h.serverName()));
  }

  @Test
  void largeClientHelloUnderTheCapIsAccepted() {
    byte[] big = ClientHellos.records(
        ClientHellos.handshake(body(0x0303, sni("big.test"), padding(15_000))), 1 << 14);
    EmbeddedChannel ch = channel();
    ch.writeInbound(Unpooled.wrappedBuffer(big));
    assertThat(dispatched).singleElement().extracting(ClientHelloInfo::serverName).isEqualTo("big.test");
    assertThat(drain(ch)).isEqualTo(big);
    ch.finishAndReleaseAll();
  }

  @Test
  void noSniIsDispatchedWithNullServerName() throws Exception {
    EmbeddedChannel ch = channel();
    ch.writeInbound(Unpooled.wrappedBuffer(ClientHellos.fromJdk(null, List.of("h2"))));
    assertThat(dispatched).singleElement().extracting(ClientHelloInfo::serverName).isNull();
    drain(ch);
    ch.finishAndReleaseAll();
  }

  @Test
  void garbageIsClosedAndCounted() {
    assertRejected(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0, 0, 1, 0}, ClientHelloRejection.NOT_TLS);
    assertRejected(new byte[] {(byte) 0xff, 1, 2, 3, 4, 5, 6, 7}, ClientHelloRejection.NOT_TLS);
    // alert content type with a non-TLS version: Netty's own "not an SSL/TLS record" path
    assertRejected(new byte[] {0x15, 0x7f, 0x7f, 0x00, 0x02, 1, 1}, ClientHelloRejection.NOT_TLS);
  }

  @Test
  void httpRequestOnTheTlsPortIsClosedAndCounted() {
    assertRejected(
        "GET / HTTP/1.1\r\nHost: app.example.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
        ClientHelloRejection.NOT_TLS);
  }

  @Test
  void malformedClientHelloIsClosedAndCounted() {
    byte[] body = body(0x0303, sni("a.test"), alpn("h2"));
    body[body.length - 4] = 9; // ALPN list length now exceeds the extension
    assertRejected(record(body), ClientHelloRejection.MALFORMED);
  }

  @Test
  void sniOf300BytesIsClosedAndCounted() {
    assertRejected(record(body(0x0303, sni("a".repeat(300)))), ClientHelloRejection.INVALID_SERVER_NAME);
  }

  @Test
  void sniWithInvalidCharactersIsClosedAndCounted() {
    assertRejected(record(body(0x0303, sni("evil\u0000.test"))), ClientHelloRejection.INVALID_SERVER_NAME);
    assertRejected(record(body(0x0303, sni("under_score.test"))), ClientHelloRejection.INVALID_SERVER_NAME);
  }

  @Test
  void sslv3AndTls10OnlyClientsGetAProtocolVersionAlert() {
    for (int version : new int[] {ClientHelloInfo.SSL_3_0, ClientHelloInfo.TLS_1_0, ClientHelloInfo.TLS_1_1}) {
      EmbeddedChannel ch = channel();
      ch.writeInbound(Unpooled.wrappedBuffer(record(body(version, sni("old.test")))));
      ByteBuf alert = ch.readOutbound();
      assertThat(ByteBufUtil.getBytes(alert)).containsExactly(0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70);
      alert.release();
      assertThat(ch.isOpen()).isFalse();
      assertThat(ch.finishAndReleaseAll()).isFalse();
    }
    assertThat(rejections.count(ClientHelloRejection.PROTOCOL_VERSION)).isEqualTo(3);
    assertThat(dispatched).isEmpty();
  }

  @Test
  void tooLargeClientHelloIsClosedAndCounted() {
    byte[] big = ClientHellos.records(
        ClientHellos.handshake(body(0x0303, sni("big.test"), padding(17_000))), 1 << 14);
    assertRejected(big, ClientHelloRejection.TOO_LARGE);
    // a single record declaring 65535 bytes is refused once more than the cap is buffered
    byte[] huge = new byte[20_000];
    huge[0] = 0x16;
    huge[1] = 3;
    huge[2] = 1;
    huge[3] = (byte) 0xff;
    huge[4] = (byte) 0xff;
    assertRejected(huge, ClientHelloRejection.TOO_LARGE);
    assertThat(rejections.count(ClientHelloRejection.TOO_LARGE)).isEqualTo(2);
  }

  @Test
  void truncatedClientHelloThenEofIsCounted() throws Exception {
    byte[] hello = ClientHellos.fromJdk("app.example.test", List.of("h2"));
    EmbeddedChannel ch = channel();
    ch.writeInbound(Unpooled.wrappedBuffer(hello, 0, hello.length / 2));
    ch.close();
    ch.runPendingTasks();
    assertThat(rejections.count(ClientHelloRejection.TRUNCATED)).isEqualTo(1);
    assertThat(dispatched).isEmpty();
    assertThat(drain(ch)).isEmpty();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void silentConnectionClosedWithoutCountingATruncation() {
    EmbeddedChannel ch = channel();
    ch.close();
    assertThat(rejections.total()).isZero();
    ch.finishAndReleaseAll();
  }

  @Test
  void timeoutClosesAndCounts() throws Exception {
    EmbeddedChannel ch = channel(new SnifferSettings(16 * 1024, Duration.ofSeconds(10), ClientHelloInfo.TLS_1_2));
    byte[] hello = ClientHellos.fromJdk("slow.test", List.of("h2"));
    ch.writeInbound(Unpooled.wrappedBuffer(hello, 0, 10)); // slowloris: a few bytes, then nothing
    ch.advanceTimeBy(9, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isTrue();
    ch.advanceTimeBy(2, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isFalse();
    assertThat(rejections.count(ClientHelloRejection.TIMEOUT)).isEqualTo(1);
    assertThat(rejections.total()).isEqualTo(1); // not also counted as truncated
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void timeoutIsCancelledOnceDispatched() throws Exception {
    EmbeddedChannel ch = channel();
    ch.writeInbound(Unpooled.wrappedBuffer(ClientHellos.fromJdk("a.test", List.of("h2"))));
    ch.advanceTimeBy(60, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isTrue();
    assertThat(rejections.total()).isZero();
    drain(ch);
    ch.finishAndReleaseAll();
  }

  @Test
  void dispatcherThatClosesKeepsBytesAwayFromThePipeline() throws Exception {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new ClientHelloSniffer((ctx, hello) -> ctx.close(), SnifferSettings.defaults(), rejections));
    ch.writeInbound(Unpooled.wrappedBuffer(ClientHellos.fromJdk("a.test", List.of("h2"))));
    assertThat(ch.isOpen()).isFalse();
    assertThat(drain(ch)).isEmpty();
    assertThat(rejections.total()).isZero();
    ch.finishAndReleaseAll();
  }

  @Test
  void dispatcherThatThrowsClosesAndCounts() throws Exception {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new ClientHelloSniffer(
                (ctx, hello) -> {
                  throw new IllegalStateException("boom (expected by the test)");
                },
                SnifferSettings.defaults(),
                rejections));
    ch.writeInbound(Unpooled.wrappedBuffer(ClientHellos.fromJdk("a.test", List.of("h2"))));
    assertThat(ch.isOpen()).isFalse();
    assertThat(rejections.count(ClientHelloRejection.DISPATCH_FAILED)).isEqualTo(1);
    ch.finishAndReleaseAll();
  }

  private void assertRejected(byte[] input, ClientHelloRejection reason) {
    long before = rejections.count(reason);
    EmbeddedChannel ch = channel();
    try {
      ch.writeInbound(Unpooled.wrappedBuffer(input));
    } catch (Exception e) {
      throw new AssertionError("the sniffer let an exception escape", e);
    }
    ch.runPendingTasks();
    assertThat(ch.isOpen()).as("closed for %s", reason).isFalse();
    assertThat(rejections.count(reason)).as("counted as %s: %s", reason, rejections.snapshot()).isEqualTo(before + 1);
    assertThat(dispatched).isEmpty();
    assertThat(drain(ch)).isEmpty();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }
}
