package dev.sluice.dataplane.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The obs-fold scan follows request framing however the bytes are split into reads. */
class ObsFoldGuardTest {
  static final String STREAM =
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nx\r\n y\r\n\tz"
          + "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "5;e=1\r\n\r\n ab\r\n3\r\n\r\n \r\n0\r\nT: t\r\n\r\n"
          + "\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n"
          + "GET /d HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n";

  @Test
  void onlyTheFoldedHeadIsRefusedAtEverySplitOffset() {
    byte[] bytes = STREAM.getBytes(StandardCharsets.US_ASCII);
    for (int split = 1; split < bytes.length; split++) {
      ObsFoldGuard guard = new ObsFoldGuard();
      EmbeddedChannel ch = new EmbeddedChannel(guard.rawSide(), new HttpServerCodec(), guard);
      ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
      ch.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
      List<String> heads = new ArrayList<>();
      Object msg;
      while ((msg = ch.readInbound()) != null) {
        if (msg instanceof HttpRequest r) {
          heads.add(r.uri() + (r.decoderResult().isFailure() ? " refused" : " ok"));
        }
        ReferenceCountUtil.release(msg);
      }
      assertThat(heads).as("split at %d", split).containsExactly("/a ok", "/b ok", "/c ok", "/d refused");
      ch.finishAndReleaseAll();
    }
  }
}
