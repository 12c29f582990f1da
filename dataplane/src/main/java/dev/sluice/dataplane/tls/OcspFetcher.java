package dev.sluice.dataplane.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * POSTs an OCSP request to a responder ({@code Content-Type: application/ocsp-request}) with the
 * JDK HTTP client, and returns the body if it is a 200 of at most {@code maxResponseBytes}. Blocks
 * up to the timeout: called on the stapler's own thread only, never on an event loop. Redirects
 * are not followed (RFC 5019 responders do not redirect; following them could point requests
 * anywhere).
 */
final class OcspFetcher implements AutoCloseable {

  private final HttpClient client;
  private final Duration timeout;
  private final int maxResponseBytes;

  OcspFetcher(Duration timeout, int maxResponseBytes) {
    this.timeout = timeout;
    this.maxResponseBytes = maxResponseBytes;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** The DER response of {@code target}'s responder to {@code request}. */
  byte[] fetch(OcspTarget target, byte[] request) throws IOException, InterruptedException {
    HttpRequest http =
        HttpRequest.newBuilder(target.responder())
            .timeout(timeout)
            .header("Content-Type", "application/ocsp-request")
            .header("Accept", "application/ocsp-response")
            .POST(HttpRequest.BodyPublishers.ofByteArray(request))
            .build();
    HttpResponse<InputStream> response = client.send(http, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException("responder answered HTTP " + response.statusCode());
      }
      byte[] der = body.readNBytes(maxResponseBytes + 1);
      if (der.length > maxResponseBytes) {
        throw new IOException("response larger than " + maxResponseBytes + " bytes");
      }
      return der;
    }
  }

  @Override
  public void close() {
    client.shutdownNow();
  }
}
