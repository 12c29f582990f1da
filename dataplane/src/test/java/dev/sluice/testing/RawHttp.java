package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.x client over a plain socket, for what the JDK client will not do: set Host, send half
 * a request, pipeline, speak HTTP/1.0, or show the exact response bytes. One instance is one TCP
 * connection; several requests may be sent over it. Not thread-safe.
 */
public final class RawHttp implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new java.io.BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1:{@code port} with a 10 s read timeout. */
  public static RawHttp connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    s.setSoTimeout(10_000);
    return new RawHttp(s);
  }

  /** Wraps a socket the caller connected (e.g. from a chosen local address); 10 s read timeout. */
  public static RawHttp wrap(Socket s) throws IOException {
    s.setSoTimeout(10_000);
    return new RawHttp(s);
  }

  /** One {@code GET} with {@code Host: host} on a new connection; returns the response. */
  public static Response get(int port, String host, String path) throws IOException {
    try (RawHttp c = connect(port)) {
      return c.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .read();
    }
  }

  /** Writes {@code text} as ISO-8859-1 bytes, as is. */
  public RawHttp send(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  public Socket socket() {
    return socket;
  }

  /** Reads one response (Content-Length, chunked, or until close). */
  public Response read() throws IOException {
    return read(true);
  }

  /** Reads the answer to a HEAD request: headers only, whatever Content-Length says. */
  public Response readHead() throws IOException {
    return read(false);
  }

  private Response read(boolean withBody) throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("not a status line: " + statusLine);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String line;
    while (!(line = line()).isEmpty()) {
      int colon = line.indexOf(':');
      headers.merge(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim(),
          (a, b) -> a + ", " + b);
    }
    int status = Integer.parseInt(parts[1]);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (!withBody || status == 101 || status == 204 || status == 304 || status / 100 == 1) {
      return new Response(parts[0], status, headers, body.toByteArray());
    }
    String length = headers.get("content-length");
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      int size;
      while ((size = Integer.parseInt(line().split(";")[0].trim(), 16)) > 0) {
        body.write(in.readNBytes(size));
        line();
      }
      while (!line().isEmpty()) {
        // trailers
      }
    } else if (length != null) {
      byte[] b = in.readNBytes(Integer.parseInt(length));
      body.write(b);
    } else {
      body.write(in.readAllBytes());
    }
    return new Response(parts[0], status, headers, body.toByteArray());
  }

  /** True when the server closed the connection (reads EOF within the read timeout). */
  public boolean closedByPeer() {
    try {
      return in.read() == -1;
    } catch (IOException e) {
      return true; // reset
    }
  }

  private String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') {
          sb.setLength(n - 1);
        }
        return sb.toString();
      }
      sb.append((char) c);
    }
    throw new EOFException("connection closed after: " + sb);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** A response as read off the wire; header names lower case. */
  public record Response(String version, int status, Map<String, String> headers, byte[] body) {
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }
}
