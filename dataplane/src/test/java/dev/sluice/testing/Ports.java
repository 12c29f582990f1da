package dev.sluice.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/** Loopback ports with a known behaviour, for error-path tests. Nothing leaves the machine. */
public final class Ports {
  private Ports() {}

  /** A loopback port nothing listens on (connections are refused). */
  public static int refusing() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * A loopback listener that never accepts and whose accept queue is already full, so that the
   * kernel drops further SYNs: connecting to {@link #port()} hangs until the client's connect
   * timeout. Close it to release the port and the filler connections.
   */
  public static Blackhole blackhole() throws IOException {
    return new Blackhole();
  }

  /** See {@link #blackhole()}. */
  public static final class Blackhole implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    private final List<Socket> fillers = new ArrayList<>();

    private Blackhole() throws IOException {
      InetSocketAddress address = (InetSocketAddress) server.getLocalSocketAddress();
      for (int i = 0; i < 16; i++) {
        Socket s = new Socket();
        try {
          s.connect(address, 200);
          fillers.add(s);
        } catch (SocketTimeoutException full) {
          s.close();
          return;
        }
      }
      close();
      throw new IOException("accept queue never filled up; cannot simulate a connect timeout");
    }

    public int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      for (Socket s : fillers) {
        s.close();
      }
      server.close();
    }
  }
}
