package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.snapshot.UpstreamTls;
import dev.sluice.dataplane.tls.UpstreamTlsClient;
import dev.sluice.dataplane.tls.UpstreamTlsContexts;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import dev.sluice.dataplane.policy.jwt.JwksCache;

/**
 * State of the route policies that outlives one snapshot (per-client rate-limit buckets, fetched
 * key sets ...), so that a configuration change does not reset them. One per server, kept by the
 * {@code SnapshotHolder} and handed to {@link RouteFilters#compile} with every snapshot.
 *
 * <p>Thread safety: what it holds is shared by every event loop and must be thread-safe.
 */
public final class PolicyRuntime {
  /** Threads that check slow password hashes (bcrypt); their queue is bounded too. */
  static final int PASSWORD_THREADS = 2;

  static final int PASSWORD_QUEUE = 256;

  private final ThreadPoolExecutor passwordChecks;
  private final ClientTable clients;
  private final JwksCache jwks = new JwksCache();
  /** Client TLS contexts for https auth services; one per distinct trust, kept for reuse. */
  private final UpstreamTlsContexts authTls = new UpstreamTlsContexts();
  private final AtomicLong passwordChecksDone = new AtomicLong();

  public PolicyRuntime() {
    this(ClientTable.DEFAULT_CAPACITY);
  }

  /** @param clientCapacity how many (route, client IP) rate-limit entries are kept at most */
  public PolicyRuntime(int clientCapacity) {
    AtomicInteger n = new AtomicInteger();
    passwordChecks =
        new ThreadPoolExecutor(
            PASSWORD_THREADS,
            PASSWORD_THREADS,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(PASSWORD_QUEUE),
            r -> {
              Thread t = new Thread(r, "sluice-password-" + n.incrementAndGet());
              t.setDaemon(true); // the runtime has no lifecycle; idle threads time out
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    passwordChecks.allowCoreThreadTimeOut(true);
    clients = new ClientTable(clientCapacity);
  }

  /**
   * Where slow password checks (bcrypt) run, off the event loops: bounded in threads and queue;
   * {@code execute} throws {@link java.util.concurrent.RejectedExecutionException} when full.
   */
  Executor passwordChecks() {
    return passwordChecks;
  }

  /** How many slow password checks ran to completion (tests: proof they left the event loop). */
  long passwordChecksCompleted() {
    return passwordChecksDone.get();
  }

  /** Called by a slow check when it has its verdict, before handing it back to the event loop. */
  void passwordCheckDone() {
    passwordChecksDone.incrementAndGet();
  }

  /** The TLS client for an https auth service (its context cached across snapshots). */
  UpstreamTlsClient authTlsClient(UpstreamTls tls) {
    return authTls.client(tls);
  }

  /** Per-route, per-client-IP rate-limit state (bounded; survives snapshots). */
  ClientTable clients() {
    return clients;
  }

  /** Fetched JWK sets by URL (JWT validation). */
  public JwksCache jwks() {
    return jwks;
  }
}
