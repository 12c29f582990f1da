package dev.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A stand-in for a TCP load balancer that speaks PROXY protocol: accepts one connection at a time on
 * 127.0.0.1, connects to {@code target}, writes {@code header} and then copies bytes both ways. Lets
 * unmodified clients (curl, the JDK) reach a listener that requires a PROXY header carrying an
 * address of the test's choosing. Blocking sockets on daemon threads; {@link #close} stops it.
 */
public final class ProxyHeaderRelay implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final byte[] header;

  private ProxyHeaderRelay(int target, String header) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.target = target;
    this.header = header.getBytes(StandardCharsets.US_ASCII);
    Thread accept = new Thread(this::acceptLoop, "proxy-header-relay");
    accept.setDaemon(true);
    accept.start();
  }

  /** Relays to 127.0.0.1:{@code targetPort}, prefixing each connection with {@code header}. */
  public static ProxyHeaderRelay start(int targetPort, String header) throws IOException {
    return new ProxyHeaderRelay(targetPort, header);
  }

  public int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        upstream.getOutputStream().write(header);
        upstream.getOutputStream().flush();
        pipe(client, upstream);
        pipe(upstream, client);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void pipe(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (IOException e) {
                // one side closed: the other follows below
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "proxy-header-relay-pipe");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
