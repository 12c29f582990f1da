package dev.sluice.dataplane.h2;

import dev.sluice.dataplane.snapshot.Certificate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * HTTP/2 frames written by hand over a TLS socket (ALPN {@code h2}): for hostile sequences a
 * well-behaved client codec refuses to send, such as more concurrent streams than the server's
 * SETTINGS allow. Blocking, one test thread.
 */
final class RawH2Socket implements AutoCloseable {
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int GOAWAY = 7;

  /** One frame read from the server. */
  record Frame(int type, int flags, int streamId, byte[] payload) {
    long errorCode() {
      int at = type == GOAWAY ? 4 : 0;
      return ((payload[at] & 0xffL) << 24)
          | ((payload[at + 1] & 0xff) << 16)
          | ((payload[at + 2] & 0xff) << 8)
          | (payload[at + 3] & 0xff);
    }
  }

  private final SSLSocket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();

  RawH2Socket(int port, Certificate trusted) throws Exception {
    socket =
        (SSLSocket) TrustingClients.sslContext(trusted).getSocketFactory().createSocket("127.0.0.1", port);
    SSLParameters params = socket.getSSLParameters();
    params.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(params);
    socket.setSoTimeout(10_000);
    socket.startHandshake();
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /**
   * Sends the preface and empty SETTINGS, then reads until the server's SETTINGS and acknowledges
   * them: from then on the server enforces its announced limits (Netty applies them on the ack).
   */
  RawH2Socket start() throws IOException {
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    frame(SETTINGS, 0, 0, new byte[0]);
    Frame f;
    do {
      f = read();
    } while (!(f.type == SETTINGS && (f.flags & 1) == 0));
    frame(SETTINGS, 1, 0, new byte[0]);
    out.flush();
    return this;
  }

  /** A HEADERS frame (END_HEADERS; END_STREAM when {@code endStream}). */
  void headers(int streamId, Http2Headers headers, boolean endStream) throws Exception {
    ByteBuf block = Unpooled.buffer();
    try {
      hpack.encodeHeaders(streamId, headers, block);
      byte[] bytes = new byte[block.readableBytes()];
      block.readBytes(bytes);
      frame(HEADERS, 0x4 | (endStream ? 0x1 : 0), streamId, bytes);
      out.flush();
    } finally {
      block.release();
    }
  }

  /** Reads frames until one of {@code type} (others, e.g. WINDOW_UPDATE, are skipped). */
  Frame next(int type) throws IOException {
    Frame f;
    do {
      f = read();
    } while (f.type != type);
    return f;
  }

  private Frame read() throws IOException {
    int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int stream = in.readInt() & 0x7fffffff;
    byte[] payload = new byte[length];
    in.readFully(payload);
    return new Frame(type, flags, stream, payload);
  }

  private void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
    int n = payload.length;
    out.write(new byte[] {
      (byte) (n >>> 16), (byte) (n >>> 8), (byte) n, (byte) type, (byte) flags,
      (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8), (byte) streamId
    });
    out.write(payload);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
