package dev.sluice.dataplane.h2;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 upstream on raw sockets whose every response carries the hop-by-hop headers HTTP/2
 * forbids (and one named by Connection), chunked, keep-alive. One thread per connection.
 */
final class HopByHopBackend implements AutoCloseable {
  static final String RESPONSE =
      "HTTP/1.1 200 OK\r\n"
          + "Connection: keep-alive, X-Hop\r\n"
          + "Keep-Alive: timeout=5\r\n"
          + "X-Hop: secret\r\n"
          + "Proxy-Connection: keep-alive\r\n"
          + "Upgrade: h2c\r\n"
          + "Transfer-Encoding: chunked\r\n"
          + "X-End-To-End: kept\r\n"
          + "\r\n"
          + "5\r\nhello\r\n0\r\n\r\n";

  private final ServerSocket server;

  HopByHopBackend() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "hop-backend");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> serve(s), "hop-backend-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Answers each request head (bodyless requests only) with {@link #RESPONSE}. */
  private static void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      int matched = 0;
      int b;
      while ((b = in.read()) >= 0) {
        matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        if (matched == 4) {
          out.write(RESPONSE.getBytes(StandardCharsets.US_ASCII));
          out.flush();
          matched = 0;
        }
      }
    } catch (IOException e) {
      // the proxy closed the connection
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
