package dev.sluice.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The plain-HTTP port of a site whose HTTPS is passed through (it terminates TLS itself, as a
 * backend behind nginx {@code stream} does): it answers its own ACME HTTP-01 challenges under
 * {@code /.well-known/acme-challenge/TOKEN} with {@code TOKEN.NAME} and redirects everything else
 * to {@code https://HOST/path} itself. Every answer carries {@code X-Site: NAME}, so a test can
 * tell that the site, not Sluice, answered.
 */
final class SiteHttpPort implements AutoCloseable {
  static final String CHALLENGE = "/.well-known/acme-challenge/";

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  private SiteHttpPort(String name) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(executor);
    server.createContext("/", exchange -> answer(exchange, name));
    server.start();
  }

  static SiteHttpPort start(String name) throws IOException {
    return new SiteHttpPort(name);
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, String name) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    exchange.getResponseHeaders().set("X-Site", name);
    byte[] body;
    if (path.startsWith(CHALLENGE)) {
      body = (path.substring(CHALLENGE.length()) + "." + name).getBytes(StandardCharsets.US_ASCII);
      exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
      exchange.sendResponseHeaders(200, body.length);
    } else {
      String host = exchange.getRequestHeaders().getFirst("Host");
      String bare = host == null ? "unknown" : host.replaceFirst(":\\d+$", "");
      exchange.getResponseHeaders().set("Location", "https://" + bare + exchange.getRequestURI());
      body = ("moved by " + name + "\n").getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(301, body.length);
    }
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
