package dev.sluice.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A small JSON API in the style of a FastAPI service (the JDK's own HTTP server, in the test JVM):
 * {@code GET /health} answers a tiny {@code {"status":"ok"}}, {@code GET /items} a JSON list of a
 * few kilobytes, {@code GET /admin/stats} the admin's JSON view, every other path 404 as JSON.
 * Every answer has a {@code Content-Length} and {@code Content-Type: application/json}, as uvicorn
 * sends them. It records the path of every request it answered ({@link #paths()}), so a test can
 * show what a proxy in front let through. Thread safety: the path list is a copy-on-write list;
 * the server runs requests on its own small pool.
 */
final class JsonApiBackend implements AutoCloseable {
  /** The {@code /items} body: 40 items, about 3.5 KB, the same on every call. */
  static final String ITEMS =
      IntStream.range(0, 40)
          .mapToObj(
              i ->
                  "{\"id\":%d,\"name\":\"item-%d\",\"description\":\"A thing that the app lists, number %d\",\"price\":%d.50,\"tags\":[\"json\",\"api\"]}"
                      .formatted(i, i, i, 10 + i))
          .collect(Collectors.joining(",", "[", "]"));

  static final String HEALTH = "{\"status\":\"ok\"}";

  private final HttpServer server;
  private final ExecutorService pool;
  private final List<String> paths = new CopyOnWriteArrayList<>();

  private JsonApiBackend(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  static JsonApiBackend start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    JsonApiBackend backend = new JsonApiBackend(server, pool);
    server.createContext("/", backend::handle);
    server.setExecutor(pool);
    server.start();
    return backend;
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** The paths of the requests answered so far, in order. */
  List<String> paths() {
    return List.copyOf(paths);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      paths.add(path);
      int status = 200;
      String body;
      if (path.equals("/health")) {
        body = HEALTH;
      } else if (path.equals("/items")) {
        body = ITEMS;
      } else if (path.startsWith("/admin")) {
        body = "{\"admin\":true,\"items\":40,\"forwardedProto\":\"%s\"}"
            .formatted(String.valueOf(exchange.getRequestHeaders().getFirst("X-Forwarded-Proto")));
      } else {
        status = 404;
        body = "{\"detail\":\"Not Found\"}";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
