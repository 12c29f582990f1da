package dev.sluice.dataplane.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why a request did not get the upstream's answer: the status Sluice answers with and the {@code
 * kind} tag of the {@code sluice_proxy_errors_total} counter.
 */
public enum ErrorKind {
  BAD_REQUEST(HttpResponseStatus.BAD_REQUEST, "bad_request"),
  URI_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long"),
  HEADERS_TOO_LARGE(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large"),
  REQUEST_HEADER_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "request_header_timeout"),
  // ---- hardening (guard package): limits crossed by a client ----
  /** More header lines than {@code Limits.maxHeaderCount}. */
  TOO_MANY_HEADERS(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too_many_headers"),
  /** A body larger than {@code Limits.maxBodySize} (Content-Length, or counted as it streams). */
  BODY_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large"),
  /** No request body bytes for {@code Limits.bodyReadTimeout} while the proxy was reading. */
  BODY_READ_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "body_read_timeout"),
  /** The client left its connection unwritable for {@code Limits.writeTimeout}: closed. */
  WRITE_TIMEOUT(null, "write_timeout"),
  /** Closed at accept: {@code Limits.maxConnections} or {@code maxConnectionsPerIp} reached. */
  CONNECTION_LIMIT(null, "connection_limit"),
  /** accept() failed (typically EMFILE, out of file descriptors): accepting pauses for 1 s. */
  ACCEPT_ERROR(null, "accept_error"),
  NO_ROUTE(HttpResponseStatus.NOT_FOUND, "no_route"),
  NO_ENDPOINT(HttpResponseStatus.SERVICE_UNAVAILABLE, "no_endpoint"),
  CONNECT_REFUSED(HttpResponseStatus.BAD_GATEWAY, "connect_refused"),
  CONNECT_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "connect_timeout"),
  CONNECT_ERROR(HttpResponseStatus.BAD_GATEWAY, "connect_error"),
  /** The upstream closed (or a write to it failed) before its response head arrived. */
  UPSTREAM_CLOSED(HttpResponseStatus.BAD_GATEWAY, "upstream_closed"),
  /** The upstream's response could not be parsed. */
  UPSTREAM_PROTOCOL(HttpResponseStatus.BAD_GATEWAY, "upstream_protocol"),
  /**
   * The TLS handshake with an HTTPS upstream failed (untrusted certificate, wrong name, no common
   * protocol, handshake timeout). Not retried: the next endpoint of the group has the same
   * configuration and would fail the same way.
   */
  UPSTREAM_TLS(HttpResponseStatus.BAD_GATEWAY, "upstream_tls"),
  RESPONSE_HEADER_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "response_header_timeout"),
  /** {@code proxy-read-timeout}: no response body bytes from the upstream in time (cut). */
  UPSTREAM_READ_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_read_timeout"),
  /** {@code proxy-send-timeout}: the upstream took none of the request body in time. */
  UPSTREAM_SEND_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_send_timeout"),
  /** The upstream failed after the response head went downstream: the client connection is cut. */
  UPSTREAM_RESET(null, "upstream_reset"),
  /** The client went away mid-exchange. Counted, logged at debug only: not Sluice's problem. */
  CLIENT_CLOSED(null, "client_closed");

  private final HttpResponseStatus status;
  private final String tag;

  ErrorKind(HttpResponseStatus status, String tag) {
    this.status = status;
    this.tag = tag;
  }

  /** The status answered downstream, or {@code null} when no answer is possible any more. */
  public HttpResponseStatus status() {
    return status;
  }

  public String tag() {
    return tag;
  }
}
