package dev.sluice.dataplane.accesslog;

/**
 * The few fields of one access-log line, captured on the event loop when a request or a
 * passthrough connection ends; the line itself is built later by the writer thread.
 *
 * @param kind {@link #HTTP} or {@link #TCP} (a passthrough connection)
 * @param endMillis wall-clock time of the end, epoch milliseconds
 * @param client the client IP: from a trusted X-Forwarded-For or PROXY header, else the peer
 * @param host the Host header (HTTP) or the SNI name (passthrough); {@code null} when absent
 * @param method request method; {@code null} for passthrough
 * @param uri request target; {@code null} for passthrough
 * @param protocol {@code HTTP/1.0}, {@code HTTP/1.1}, {@code HTTP/2.0} or {@code TLS}
 * @param route the route's name, {@code null} when none matched
 * @param upstream the endpoint's {@code host:port}, {@code null} when none was reached
 * @param status the status sent to the client, 0 when none was (and for passthrough)
 * @param bytesIn body bytes received from the client (all bytes, for passthrough)
 * @param bytesOut body bytes sent to the client (all bytes, for passthrough)
 * @param durationNanos from the request head (or accept) to the end
 * @param upstreamNanos from the upstream taking the request (or connecting) to the end; -1: never
 * @param userAgent the User-Agent header, or {@code null}
 * @param referer the Referer header, or {@code null}
 */
public record AccessEntry(
    String kind,
    long endMillis,
    String client,
    String host,
    String method,
    String uri,
    String protocol,
    String route,
    String upstream,
    int status,
    long bytesIn,
    long bytesOut,
    long durationNanos,
    long upstreamNanos,
    String userAgent,
    String referer) {
  public static final String HTTP = "http";
  public static final String TCP = "tcp";

  /** The IP text of {@code address}, or {@code null} when there is none (a closed channel). */
  public static String ip(java.net.SocketAddress address) {
    if (address instanceof java.net.InetSocketAddress isa) {
      return isa.getAddress() != null ? isa.getAddress().getHostAddress() : isa.getHostString();
    }
    return address == null ? null : address.toString();
  }
}
