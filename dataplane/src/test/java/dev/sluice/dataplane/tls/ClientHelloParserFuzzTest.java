package dev.sluice.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.testing.BoundedFuzz;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for the TLS front door: {@link ClientHelloParser} on ClientHello bodies and {@link
 * ClientHelloSniffer} on raw bytes as a client would send them.
 *
 * <p>{@code @FuzzTest} methods replay the seeds in {@code ClientHelloParserFuzzTestInputs/<method>/}
 * in every build and fuzz with {@code JAZZER_FUZZ=1} (docs/fuzzing.md); the {@code bounded*} tests
 * run a fixed number of seeded mutations of the same seeds through the same checks.
 */
class ClientHelloParserFuzzTest {

  /**
   * The parser's contract: any byte string yields a {@link ClientHelloInfo} or a {@link
   * MalformedClientHelloException}; nothing else escapes, and a valid SNI is a valid host name.
   */
  @FuzzTest(maxDuration = "5m")
  void parse(byte[] body) {
    ClientHelloInfo hello;
    try {
      hello = ClientHelloParser.parse(body);
    } catch (MalformedClientHelloException expected) {
      return;
    }
    String sni = hello.serverName();
    if (sni != null) {
      assertThat(sni.length()).isBetween(1, ClientHelloParser.MAX_SERVER_NAME_LENGTH);
      assertThat(sni).matches("[a-z0-9-]{1,63}(\\.[a-z0-9-]{1,63})*");
    }
    // the ByteBuf entry point reads the same bytes without moving the reader index
    ByteBuf buf = Unpooled.wrappedBuffer(body);
    assertThat(ClientHelloParser.parse(buf)).isEqualTo(hello);
    assertThat(buf.readerIndex()).isZero();
  }

  /**
   * The sniffer's contract, bytes fed in several writes: the connection is either dispatched (the
   * sniffer is gone and every byte, ClientHello included, comes out unchanged) or closed; one that
   * is still waiting is closed by the ClientHello timeout. Nothing escapes the pipeline and every
   * buffer is released (the leak detector runs at PARANOID).
   */
  @FuzzTest(maxDuration = "5m")
  void sniff(byte[] input) {
    ClientHelloRejections rejections = new ClientHelloRejections();
    AtomicReference<ClientHelloInfo> dispatched = new AtomicReference<>();
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new ClientHelloSniffer(
                (ctx, hello) -> assertThat(dispatched.getAndSet(hello)).isNull(),
                SnifferSettings.defaults(),
                rejections));
    try {
      int[] cuts = BoundedFuzz.segments(input);
      for (int i = 1; i < cuts.length && ch.isOpen(); i++) {
        ch.writeInbound(Unpooled.wrappedBuffer(input, cuts[i - 1], cuts[i] - cuts[i - 1]));
      }
      ch.checkException();
      byte[] out = drain(ch);
      if (dispatched.get() != null) {
        assertThat(ch.pipeline().get(ClientHelloSniffer.class)).isNull();
        assertThat(rejections.total()).isZero();
        assertThat(out).isEqualTo(input);
        return;
      }
      assertThat(out).as("nothing passes before a decision").isEmpty();
      if (ch.isOpen()) {
        // incomplete: the timeout must end it
        ch.advanceTimeBy(SnifferSettings.defaults().timeout().toNanos() + 1, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("closed by the ClientHello timeout").isFalse();
      }
      assertThat(dispatched.get()).isNull();
      assertThat(rejections.total()).as("every refused connection is counted").isPositive();
    } finally {
      ch.finishAndReleaseAll();
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
  @Timeout(120) // a hang guard only: the loop takes well under a second
  void boundedParse() {
    BoundedFuzz.run(getClass(), "parse", this::parse);
  }

  @Test
  @Timeout(120)
  void boundedSniff() {
    BoundedFuzz.run(getClass(), "sniff", this::sniff);
  }
}
