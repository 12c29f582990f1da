package dev.sluice.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RevokedStatus;

/**
 * A real OCSP responder on 127.0.0.1 (JDK HTTP server): answers POSTed OCSP requests with responses
 * signed by a {@link TestCa}, {@code good} unless a serial was {@link #revoke revoked}, valid for
 * {@link #validity} from now. Counts requests. Thread-safe.
 */
public final class OcspResponder implements AutoCloseable {
  private final TestCa ca;
  private final HttpServer server;
  private final Map<BigInteger, Boolean> revoked = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile Duration validity = Duration.ofHours(1);

  public OcspResponder(TestCa ca) throws IOException {
    this.ca = ca;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::answer);
    server.start();
  }

  /** The responder's URL, for {@link TestCa#issueWithOcsp}. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/ocsp";
  }

  /** Answers {@code revoked} for this serial from now on. */
  public void revoke(BigInteger serial) {
    revoked.put(serial, Boolean.TRUE);
  }

  /** nextUpdate - thisUpdate of the responses from now on. */
  public void validity(Duration window) {
    this.validity = window;
  }

  /** Requests answered so far. */
  public int requests() {
    return requests.get();
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange; InputStream in = exchange.getRequestBody()) {
      byte[] body;
      try {
        if (!"POST".equals(exchange.getRequestMethod())
            || !"application/ocsp-request".equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
          throw new IOException("not an OCSP POST");
        }
        Req req = new OCSPReq(in.readAllBytes()).getRequestList()[0];
        CertificateStatus status =
            revoked.containsKey(req.getCertID().getSerialNumber())
                ? new RevokedStatus(Date.from(Instant.now().minusSeconds(60)), CRLReason.keyCompromise)
                : CertificateStatus.GOOD;
        // thisUpdate slightly in the past, like real responders, so clocks need not agree exactly
        Instant thisUpdate = Instant.now().minusMillis(10);
        body = ca.ocspResponse(req.getCertID(), status, thisUpdate, thisUpdate.plus(validity));
      } catch (Exception e) {
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      requests.incrementAndGet();
      exchange.getResponseHeaders().set("Content-Type", "application/ocsp-response");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
