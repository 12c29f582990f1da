// A tiny HTTP echo server for the quickstart, run as a single source file (JDK 21+, no build):
//   java examples/quickstart/EchoBackend.java 9001 echo-a
// Answers every request with what it received, so you can see what Sluice forwards
// (X-Forwarded-For, X-Real-IP, X-Forwarded-Proto/Host/Port) and which backend answered.
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;

public class EchoBackend {
  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 9001;
    String name = args.length > 1 ? args[1] : "echo-" + port;
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      StringBuilder out = new StringBuilder();
      out.append("backend: ").append(name).append('\n');
      out.append("request: ").append(exchange.getRequestMethod()).append(' ')
          .append(exchange.getRequestURI()).append(' ').append(exchange.getProtocol()).append('\n');
      out.append("peer: ").append(exchange.getRemoteAddress()).append('\n');
      Map<String, java.util.List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      headers.putAll(exchange.getRequestHeaders());
      headers.forEach((k, v) -> v.forEach(value -> out.append(k).append(": ").append(value).append('\n')));
      out.append("body-bytes: ").append(body.length).append('\n');
      byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    System.out.println(name + " listening on http://127.0.0.1:" + port);
  }
}
