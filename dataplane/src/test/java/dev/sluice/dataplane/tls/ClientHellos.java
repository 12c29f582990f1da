package dev.sluice.dataplane.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLParameters;

/** Real ClientHello bytes from real TLS stacks, and hand-built ones for the edge cases. */
final class ClientHellos {

  private ClientHellos() {}

  /** The TLS records a JDK SSLEngine client sends first. */
  static byte[] fromJdk(String sni, List<String> alpn) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, null, null);
    SSLEngine engine = ctx.createSSLEngine(sni == null ? "127.0.0.1" : sni, 443);
    engine.setUseClientMode(true);
    SSLParameters params = engine.getSSLParameters();
    params.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    params.setApplicationProtocols(alpn.toArray(String[]::new));
    engine.setSSLParameters(params);
    return wrapFirstFlight(engine);
  }

  /** The TLS records a Netty client (BoringSSL or JDK) sends first. */
  static byte[] fromNetty(SslProvider provider, String sni, List<String> alpn, String... protocols)
      throws Exception {
    SslContextBuilder b =
        SslContextBuilder.forClient()
            .sslProvider(provider)
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    Protocol.ALPN,
                    SelectorFailureBehavior.NO_ADVERTISE,
                    SelectedListenerFailureBehavior.ACCEPT,
                    alpn));
    if (protocols.length > 0) {
      b.protocols(protocols);
    }
    SslContext ctx = b.build();
    SSLEngine engine = ctx.newEngine(ByteBufAllocator.DEFAULT, sni, 443);
    try {
      return wrapFirstFlight(engine);
    } finally {
      ReferenceCountUtil.release(engine);
      ReferenceCountUtil.release(ctx);
    }
  }

  private static byte[] wrapFirstFlight(SSLEngine engine) throws Exception {
    engine.beginHandshake();
    ByteBuffer dst = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 4);
    SSLEngineResult r;
    do {
      r = engine.wrap(ByteBuffer.allocate(0), dst);
    } while (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP
        && r.bytesProduced() > 0);
    engine.closeOutbound();
    try {
      engine.closeInbound();
    } catch (javax.net.ssl.SSLException expected) {
      // "inbound closed before close_notify": true, and irrelevant here
    }
    dst.flip();
    byte[] out = new byte[dst.remaining()];
    dst.get(out);
    return out;
  }

  /** The handshake body (after record and handshake headers) of a single-record ClientHello. */
  static byte[] body(byte[] records) {
    byte[] handshake = handshakeMessage(records);
    return Arrays.copyOfRange(handshake, 4, handshake.length);
  }

  /** Concatenated handshake payloads of all records (handshake header included). */
  static byte[] handshakeMessage(byte[] records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i + 5 <= records.length) {
      int len = ((records[i + 3] & 0xff) << 8) | (records[i + 4] & 0xff);
      out.write(records, i + 5, len);
      i += 5 + len;
    }
    return out.toByteArray();
  }

  /** Frames a handshake message into TLS handshake records of at most {@code maxFragment} bytes. */
  static byte[] records(byte[] handshakeMessage, int maxFragment) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < handshakeMessage.length; i += maxFragment) {
      int n = Math.min(maxFragment, handshakeMessage.length - i);
      out.write(new byte[] {0x16, 0x03, 0x01, (byte) (n >> 8), (byte) n}, 0, 5);
      out.write(handshakeMessage, i, n);
    }
    return out.toByteArray();
  }

  /** A handshake message (type 1 + 3-byte length) around a ClientHello body. */
  static byte[] handshake(byte[] body) {
    byte[] m = new byte[body.length + 4];
    m[0] = 1;
    m[1] = (byte) (body.length >> 16);
    m[2] = (byte) (body.length >> 8);
    m[3] = (byte) body.length;
    System.arraycopy(body, 0, m, 4, body.length);
    return m;
  }

  /**
   * A minimal ClientHello body: {@code version}, one cipher suite, and the given extensions
   * (each already framed as type + length + data).
   */
  static byte[] body(int version, byte[]... extensions) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(version >> 8);
    out.write(version);
    out.write(new byte[32], 0, 32); // random
    out.write(0); // session id
    out.write(new byte[] {0, 2, 0x13, 0x01}, 0, 4); // one cipher suite
    out.write(new byte[] {1, 0}, 0, 2); // null compression
    int extLen = 0;
    for (byte[] e : extensions) {
      extLen += e.length;
    }
    if (extensions.length > 0) {
      out.write(extLen >> 8);
      out.write(extLen);
      for (byte[] e : extensions) {
        out.write(e, 0, e.length);
      }
    }
    return out.toByteArray();
  }

  static byte[] extension(int type, byte[] data) {
    byte[] e = new byte[4 + data.length];
    e[0] = (byte) (type >> 8);
    e[1] = (byte) type;
    e[2] = (byte) (data.length >> 8);
    e[3] = (byte) data.length;
    System.arraycopy(data, 0, e, 4, data.length);
    return e;
  }

  /** server_name extension with one host_name entry holding exactly these bytes. */
  static byte[] sni(byte[] name) {
    byte[] data = new byte[5 + name.length];
    int listLen = 3 + name.length;
    data[0] = (byte) (listLen >> 8);
    data[1] = (byte) listLen;
    data[2] = 0;
    data[3] = (byte) (name.length >> 8);
    data[4] = (byte) name.length;
    System.arraycopy(name, 0, data, 5, name.length);
    return extension(0, data);
  }

  static byte[] sni(String name) {
    return sni(name.getBytes(StandardCharsets.ISO_8859_1));
  }

  static byte[] alpn(String... protocols) {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    for (String p : protocols) {
      list.write(p.length());
      list.write(p.getBytes(StandardCharsets.ISO_8859_1), 0, p.length());
    }
    byte[] l = list.toByteArray();
    byte[] data = new byte[2 + l.length];
    data[0] = (byte) (l.length >> 8);
    data[1] = (byte) l.length;
    System.arraycopy(l, 0, data, 2, l.length);
    return extension(16, data);
  }

  static byte[] supportedVersions(int... versions) {
    byte[] data = new byte[1 + versions.length * 2];
    data[0] = (byte) (versions.length * 2);
    for (int i = 0; i < versions.length; i++) {
      data[1 + 2 * i] = (byte) (versions[i] >> 8);
      data[2 + 2 * i] = (byte) versions[i];
    }
    return extension(43, data);
  }

  /** A padding extension (type 21) of {@code n} zero bytes, to make a hello large. */
  static byte[] padding(int n) {
    return extension(21, new byte[n]);
  }

  /** Single-record TLS framing of a ClientHello body. */
  static byte[] record(byte[] body) {
    return records(handshake(body), 1 << 14);
  }
}
