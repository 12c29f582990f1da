package dev.sluice.dataplane.passthrough;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A blocking backend on plain sockets, one thread per connection, for the splice tests: exact
 * control over when it reads, how slowly, when it answers and how it ends.
 */
final class RawBackend implements AutoCloseable {

  /** What a connection does; {@code Outcome} of each connection lands in {@link #outcomes}. */
  interface Script {
    Outcome run(Socket s) throws Exception;
  }

  /** What the backend saw: bytes received before EOF (or -1 on a reset) and their SHA-256. */
  record Outcome(long received, String sha256, boolean sawEof) {}

  final LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
  private final Semaphore accepted = new Semaphore(0);
  private final ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final ConcurrentLinkedQueue<Socket> open = new ConcurrentLinkedQueue<>();

  RawBackend(Script script) throws IOException {
    server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
    pool.execute(
        () -> {
          while (!server.isClosed()) {
            try {
              Socket s = server.accept();
              open.add(s);
              accepted.release();
              pool.execute(
                  () -> {
                    try (s) {
                      s.setSoTimeout(30_000);
                      outcomes.add(script.run(s));
                    } catch (Exception e) {
                      outcomes.add(new Outcome(-1, e.toString(), false));
                    }
                  });
            } catch (IOException closed) {
              return;
            }
          }
        });
  }

  int port() {
    return server.getLocalPort();
  }

  /** Waits until {@code n} more connections were accepted. */
  void awaitAccepted(int n) throws InterruptedException {
    if (!accepted.tryAcquire(n, 30, TimeUnit.SECONDS)) {
      throw new AssertionError("backend accepted no connection within 30 s");
    }
  }

  Outcome next() throws InterruptedException {
    Outcome o = outcomes.poll(30, TimeUnit.SECONDS);
    if (o == null) {
      throw new AssertionError("backend saw no connection end within 30 s");
    }
    return o;
  }

  /**
   * Reads to EOF, {@code chunk} bytes at a time with {@code pauseMs} between reads (a slow
   * backend), hashing what arrives.
   */
  static Outcome readAll(Socket s, int chunk, long pauseMs) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    InputStream in = s.getInputStream();
    byte[] buf = new byte[chunk];
    long total = 0;
    for (int n; (n = in.read(buf)) >= 0; ) {
      md.update(buf, 0, n);
      total += n;
      if (pauseMs > 0) {
        Thread.sleep(pauseMs);
      }
    }
    return new Outcome(total, HexFormat.of().formatHex(md.digest()), true);
  }

  /** Writes {@code body} in 64 KiB pieces. */
  static void writeAll(Socket s, byte[] body) throws IOException {
    OutputStream out = s.getOutputStream();
    for (int off = 0; off < body.length; off += 65536) {
      out.write(body, off, Math.min(65536, body.length - off));
    }
    out.flush();
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
    pool.shutdownNow();
  }
}
