package dev.sluice.dataplane.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the body of a TLS ClientHello handshake message (RFC 8446 4.1.2, RFC 5246 7.4.1.2): the
 * bytes after the 4-byte handshake header, as {@link io.netty.handler.ssl.SslClientHelloHandler}
 * hands them over. Pure and stateless; every length is checked against the bytes that are really
 * there, so any input either yields a {@link ClientHelloInfo} or a {@link
 * MalformedClientHelloException} (this is the fuzz target).
 *
 * <p>Extracts SNI (RFC 6066 3), ALPN (RFC 7301 3.1) and {@code supported_versions} (RFC 8446
 * 4.2.1); other extensions are skipped after their length is checked.
 */
public final class ClientHelloParser {

  /** RFC 1035: a host name is at most 255 octets; labels at most 63. */
  public static final int MAX_SERVER_NAME_LENGTH = 255;

  private static final int MAX_LABEL_LENGTH = 63;
  private static final int EXT_SERVER_NAME = 0;
  private static final int EXT_ALPN = 16;
  private static final int EXT_SUPPORTED_VERSIONS = 43;
  private static final int NAME_TYPE_HOST_NAME = 0;

  private ClientHelloParser() {}

  /** Parses {@code body} (a ClientHello without record or handshake header). */
  public static ClientHelloInfo parse(byte[] body) {
    return parse(Unpooled.wrappedBuffer(body));
  }

  /**
   * Parses the readable bytes of {@code body} (a ClientHello without record or handshake header)
   * without moving its reader index or releasing it.
   */
  public static ClientHelloInfo parse(ByteBuf body) {
    Cursor c = new Cursor(body, body.readerIndex(), body.writerIndex());
    int legacyVersion = c.u16("legacy_version");
    c.skip(32, "random");
    int sessionIdLength = c.u8("legacy_session_id length");
    if (sessionIdLength > 32) {
      throw new MalformedClientHelloException("session id longer than 32 bytes: " + sessionIdLength);
    }
    c.skip(sessionIdLength, "legacy_session_id");
    int cipherSuitesLength = c.u16("cipher_suites length");
    if (cipherSuitesLength < 2 || (cipherSuitesLength & 1) != 0) {
      throw new MalformedClientHelloException("bad cipher_suites length " + cipherSuitesLength);
    }
    c.skip(cipherSuitesLength, "cipher_suites");
    int compressionLength = c.u8("legacy_compression_methods length");
    if (compressionLength < 1) {
      throw new MalformedClientHelloException("empty legacy_compression_methods");
    }
    c.skip(compressionLength, "legacy_compression_methods");

    String serverName = null;
    List<String> alpn = List.of();
    List<Integer> versions = List.of();
    if (c.remaining() == 0) {
      // an SSLv3-era ClientHello may end here, without an extensions block
      return new ClientHelloInfo(null, alpn, legacyVersion, versions);
    }
    int extensionsLength = c.u16("extensions length");
    if (extensionsLength != c.remaining()) {
      throw new MalformedClientHelloException(
          "extensions length " + extensionsLength + " but " + c.remaining() + " bytes follow");
    }
    boolean seenSni = false;
    boolean seenAlpn = false;
    boolean seenVersions = false;
    while (c.remaining() > 0) {
      int type = c.u16("extension type");
      int length = c.u16("extension length");
      Cursor ext = c.sub(length, "extension " + type);
      switch (type) {
        case EXT_SERVER_NAME -> {
          seenSni = duplicate(seenSni, "server_name");
          serverName = parseServerName(ext);
        }
        case EXT_ALPN -> {
          seenAlpn = duplicate(seenAlpn, "application_layer_protocol_negotiation");
          alpn = parseAlpn(ext);
        }
        case EXT_SUPPORTED_VERSIONS -> {
          seenVersions = duplicate(seenVersions, "supported_versions");
          versions = parseSupportedVersions(ext);
        }
        default -> {
          // skipped: its length was already checked by sub()
        }
      }
    }
    return new ClientHelloInfo(serverName, alpn, legacyVersion, versions);
  }

  private static boolean duplicate(boolean seen, String name) {
    if (seen) {
      // RFC 8446 4.2: there MUST NOT be more than one extension of the same type
      throw new MalformedClientHelloException("duplicate " + name + " extension");
    }
    return true;
  }

  private static String parseServerName(Cursor ext) {
    if (ext.remaining() == 0) {
      // a server's (empty) acknowledgement; never valid in a ClientHello, but harmless
      return null;
    }
    Cursor list = ext.sub(ext.u16("server_name_list length"), "server_name_list");
    ext.expectEnd("server_name");
    String hostName = null;
    while (list.remaining() > 0) {
      int nameType = list.u8("name_type");
      int nameLength = list.u16("server name length");
      int start = list.position();
      list.skip(nameLength, "server name");
      if (nameType != NAME_TYPE_HOST_NAME) {
        continue; // no other type is defined; RFC 6066 lets servers ignore unknown ones
      }
      if (hostName != null) {
        throw new MalformedClientHelloException("more than one host_name in server_name", true);
      }
      hostName = validHostName(list.buf, start, nameLength);
    }
    return hostName;
  }

  /**
   * A host name as SNI allows it (RFC 6066 3): ASCII letters, digits, hyphens and dots, 1..255
   * bytes, no empty label, no label over 63 bytes, no trailing dot. Returned in lower case.
   */
  static String validHostName(ByteBuf buf, int start, int length) {
    if (length == 0 || length > MAX_SERVER_NAME_LENGTH) {
      throw new MalformedClientHelloException("SNI host name length " + length, true);
    }
    char[] chars = new char[length];
    int labelLength = 0;
    for (int i = 0; i < length; i++) {
      int b = buf.getUnsignedByte(start + i);
      if (b == '.') {
        if (labelLength == 0) {
          throw new MalformedClientHelloException("SNI host name has an empty label", true);
        }
        labelLength = 0;
      } else if ((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-') {
        labelLength++;
      } else if (b >= 'A' && b <= 'Z') {
        b += 'a' - 'A';
        labelLength++;
      } else {
        throw new MalformedClientHelloException(
            "SNI host name has an invalid character 0x" + Integer.toHexString(b), true);
      }
      if (labelLength > MAX_LABEL_LENGTH) {
        throw new MalformedClientHelloException("SNI host name has a label over 63 bytes", true);
      }
      chars[i] = (char) b;
    }
    if (labelLength == 0) {
      throw new MalformedClientHelloException("SNI host name ends with a dot", true);
    }
    return new String(chars);
  }

  private static List<String> parseAlpn(Cursor ext) {
    Cursor list = ext.sub(ext.u16("protocol_name_list length"), "protocol_name_list");
    ext.expectEnd("application_layer_protocol_negotiation");
    if (list.remaining() == 0) {
      throw new MalformedClientHelloException("empty ALPN protocol_name_list");
    }
    List<String> protocols = new ArrayList<>(4);
    while (list.remaining() > 0) {
      int length = list.u8("ALPN protocol name length");
      if (length == 0) {
        throw new MalformedClientHelloException("empty ALPN protocol name");
      }
      int start = list.position();
      list.skip(length, "ALPN protocol name");
      // ALPN names are opaque bytes; ISO-8859-1 maps them one to one, so nothing is lost
      protocols.add(list.buf.toString(start, length, StandardCharsets.ISO_8859_1));
    }
    return protocols;
  }

  private static List<Integer> parseSupportedVersions(Cursor ext) {
    int length = ext.u8("supported_versions length");
    if (length < 2 || (length & 1) != 0) {
      throw new MalformedClientHelloException("bad supported_versions length " + length);
    }
    Cursor list = ext.sub(length, "supported_versions");
    ext.expectEnd("supported_versions");
    List<Integer> versions = new ArrayList<>(length / 2);
    while (list.remaining() > 0) {
      int v = list.u16("version");
      if (!isGrease(v)) {
        versions.add(v);
      }
    }
    return versions;
  }

  /** RFC 8701: 0x0A0A, 0x1A1A, ... 0xFAFA are reserved values clients send to keep servers honest. */
  private static boolean isGrease(int v) {
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
  }

  /** A bounds-checked read position over {@code [position, limit)} of a buffer. */
  private static final class Cursor {
    final ByteBuf buf;
    private int position;
    private final int limit;

    Cursor(ByteBuf buf, int position, int limit) {
      this.buf = buf;
      this.position = position;
      this.limit = limit;
    }

    int remaining() {
      return limit - position;
    }

    int position() {
      return position;
    }

    private void need(int n, String what) {
      if (n > remaining()) {
        throw new MalformedClientHelloException(
            "truncated at " + what + ": need " + n + " bytes, " + remaining() + " left");
      }
    }

    int u8(String what) {
      need(1, what);
      return buf.getUnsignedByte(position++);
    }

    int u16(String what) {
      need(2, what);
      int v = buf.getUnsignedShort(position);
      position += 2;
      return v;
    }

    void skip(int n, String what) {
      need(n, what);
      position += n;
    }

    Cursor sub(int n, String what) {
      need(n, what);
      Cursor c = new Cursor(buf, position, position + n);
      position += n;
      return c;
    }

    void expectEnd(String what) {
      if (remaining() != 0) {
        throw new MalformedClientHelloException(remaining() + " trailing bytes in " + what);
      }
    }
  }
}
