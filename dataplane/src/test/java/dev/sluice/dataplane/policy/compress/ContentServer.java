package dev.sluice.dataplane.policy.compress;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.dataplane.snapshot.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/**
 * A real HTTP/1.1 upstream (the JDK's server) with bodies worth compressing:
 *
 * <ul>
 *   <li>{@code /json?n=N}: N bytes of JSON, {@code application/json; charset=utf-8}, with
 *       Content-Length ({@code &chunked=1}: streamed without a length, in 8 KB writes;
 *       {@code &etag=1}: a strong ETag; {@code &cc=V}: Cache-Control V; {@code &status=S});
 *   <li>{@code /png?n=N}: N bytes as {@code image/png};
 *   <li>{@code /gzipped?n=N}: N bytes of JSON already gzip-encoded by the upstream;
 *   <li>{@code /empty}: 204.
 * </ul>
 */
public final class ContentServer implements AutoCloseable {
  private final HttpServer server;

  public ContentServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public Endpoint endpoint() {
    return Endpoint.of("127.0.0.1", server.getAddress().getPort());
  }

  public static byte[] json(int n) {
    StringBuilder b = new StringBuilder(n + 64).append('[');
    for (int i = 0; b.length() < n - 1; i++) {
      b.append("{\"id\":").append(i).append(",\"name\":\"item ").append(i % 97).append("\"},");
    }
    b.setLength(n - 1);
    return b.append(']').toString().getBytes(StandardCharsets.US_ASCII);
  }

  private void handle(HttpExchange ex) throws IOException {
    URI u = ex.getRequestURI();
    String q = u.getRawQuery() == null ? "" : u.getRawQuery();
    int n = Integer.parseInt(param(q, "n", "1000"));
    boolean head = ex.getRequestMethod().equals("HEAD");
    var h = ex.getResponseHeaders();
    switch (u.getPath()) {
      case "/empty" -> {
        ex.sendResponseHeaders(204, -1);
        ex.close();
        return;
      }
      case "/png" -> {
        h.set("Content-Type", "image/png");
        send(ex, new byte[n], head, false, 200);
        return;
      }
      case "/gzipped" -> {
        ByteArrayOutputStream bout = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bout)) {
          gz.write(json(n));
        }
        h.set("Content-Type", "application/json");
        h.set("Content-Encoding", "gzip");
        send(ex, bout.toByteArray(), head, false, 200);
        return;
      }
      default -> {
        h.set("Content-Type", "application/json; charset=utf-8");
        if (param(q, "etag", "0").equals("1")) {
          h.set("ETag", "\"v1\"");
        }
        String cc = param(q, "cc", null);
        if (cc != null) {
          h.set("Cache-Control", cc);
        }
        send(ex, json(n), head, param(q, "chunked", "0").equals("1"),
            Integer.parseInt(param(q, "status", "200")));
      }
    }
  }

  private static void send(HttpExchange ex, byte[] body, boolean head, boolean chunked, int status)
      throws IOException {
    if (head) {
      ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
      ex.sendResponseHeaders(status, -1);
      ex.close();
      return;
    }
    ex.sendResponseHeaders(status, chunked ? 0 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      for (int off = 0; off < body.length; off += 8192) {
        out.write(body, off, Math.min(8192, body.length - off));
        out.flush();
      }
    }
  }

  private static String param(String query, String name, String dflt) {
    for (String kv : query.split("&")) {
      if (kv.startsWith(name + "=")) {
        return java.net.URLDecoder.decode(kv.substring(name.length() + 1), StandardCharsets.UTF_8);
      }
    }
    return dflt;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
