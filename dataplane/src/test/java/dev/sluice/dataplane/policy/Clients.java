package dev.sluice.dataplane.policy;

import dev.sluice.testing.RawHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Test clients with distinct source addresses: loopback aliases (127.0.0.2 ...) on Linux. */
final class Clients {
  private Clients() {}

  /** A connection to 127.0.0.1:{@code port} from {@code localIp}. */
  static RawHttp from(String localIp, int port) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(localIp, 0));
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    return RawHttp.wrap(s);
  }

  /** One GET of {@code path} from {@code localIp} with extra header lines; the status. */
  static RawHttp.Response get(String localIp, int port, String path, String... headerLines)
      throws IOException {
    try (RawHttp c = from(localIp, port)) {
      StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: app.test\r\n");
      for (String h : headerLines) {
        req.append(h).append("\r\n");
      }
      return c.send(req.append("Connection: close\r\n\r\n").toString()).read();
    }
  }
}
