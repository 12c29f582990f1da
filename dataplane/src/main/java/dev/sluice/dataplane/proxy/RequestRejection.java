package dev.sluice.dataplane.proxy;

import java.util.Objects;

/**
 * Why a request (or its body) was refused before it could reach an upstream, as the cause of a
 * failed {@link io.netty.handler.codec.DecoderResult}. The guards after the HTTP codec mark a
 * request head or a body chunk with it; {@link ProxyHandler} and {@link Exchange} then answer
 * {@link #kind()}'s status in order with the other messages of the connection (pipelined requests
 * included) and close the connection, exactly as for what the codec itself could not parse.
 *
 * <p>No stack trace: it describes the client's input, not a fault of Sluice.
 */
public final class RequestRejection extends RuntimeException {
  private final ErrorKind kind;

  public RequestRejection(ErrorKind kind, String reason) {
    super(reason, null, false, false);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public ErrorKind kind() {
    return kind;
  }
}
