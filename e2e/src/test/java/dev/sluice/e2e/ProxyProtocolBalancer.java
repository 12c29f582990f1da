package dev.sluice.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The TCP load balancer in front of Sluice, played by the test: it accepts on 127.0.0.1, connects
 * to Sluice, writes a PROXY protocol header naming the client address the test chose (what a
 * cloud load balancer does for the real client), then copies bytes both ways. Unmodified clients
 * (curl, the JDK HttpClient and WebSocket) reach a Sluice that requires PROXY protocol through it.
 *
 * <p>Blocking sockets, two daemon threads per connection; {@link #close} closes the listener and
 * every relayed connection.
 */
final class ProxyProtocolBalancer implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final byte[] header;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  private ProxyProtocolBalancer(int target, byte[] header) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.target = target;
    this.header = header;
    Thread accept = new Thread(this::acceptLoop, "balancer-" + server.getLocalPort());
    accept.setDaemon(true);
    accept.start();
  }

  /** Relays to 127.0.0.1:{@code targetPort}, each connection prefixed with {@code header}. */
  static ProxyProtocolBalancer start(int targetPort, byte[] header) throws IOException {
    return new ProxyProtocolBalancer(targetPort, header);
  }

  /** A PROXY protocol v1 header (text) for TCP over IPv4. */
  static byte[] v1(String source, int sourcePort, String destination, int destinationPort) {
    return ("PROXY TCP4 " + source + " " + destination + " " + sourcePort + " " + destinationPort
            + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** A PROXY protocol v2 header (binary, PROXY command) for TCP over IPv4. */
  static byte[] v2(String source, int sourcePort, String destination, int destinationPort) {
    ByteBuffer b = ByteBuffer.allocate(16 + 12);
    b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
    b.put((byte) 0x21); // version 2, PROXY
    b.put((byte) 0x11); // AF_INET, STREAM
    b.putShort((short) 12);
    b.put(ipv4(source)).put(ipv4(destination));
    b.putShort((short) sourcePort).putShort((short) destinationPort);
    return b.array();
  }

  private static byte[] ipv4(String literal) {
    try {
      InetAddress a = InetAddress.getByName(literal);
      if (!(a instanceof Inet4Address)) {
        throw new IllegalArgumentException("not IPv4: " + literal);
      }
      return a.getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try {
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        open.add(client);
        open.add(upstream);
        upstream.getOutputStream().write(header);
        upstream.getOutputStream().flush();
        pipe(client, upstream);
        pipe(upstream, client);
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                  out.write(buf, 0, n);
                  out.flush();
                }
                to.shutdownOutput(); // half-close travels on, as through a real balancer
              } catch (IOException e) {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "balancer-pipe");
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
    open.forEach(ProxyProtocolBalancer::closeQuietly);
    open.clear();
  }
}
