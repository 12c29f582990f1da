package dev.sluice.dataplane.policy.jwt;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The JWKS URLs of every route, one {@link JwksSource} per URL, shared by routes and kept across
 * snapshots (a configuration change must not drop fetched keys and make requests wait). Held by the
 * {@code PolicyRuntime}. The HTTP client and the refresh timer are made on first use, so a server
 * without JWKS routes runs no extra threads.
 *
 * <p>Thread safety: any thread.
 */
public final class JwksCache {
  private final ConcurrentHashMap<URI, JwksSource> sources = new ConcurrentHashMap<>();
  private volatile HttpClient client;
  private volatile ScheduledThreadPoolExecutor timer;

  /** The source for {@code uri}, created (and its first fetch started) on first use. */
  public JwksSource source(URI uri) {
    JwksSource s = sources.get(uri);
    if (s != null) {
      return s;
    }
    return sources.computeIfAbsent(
        uri,
        u -> {
          JwksSource created = new JwksSource(u, client(), timer());
          created.fetch(); // so the keys are there before the first request, usually
          return created;
        });
  }

  private synchronized HttpClient client() {
    if (client == null) {
      client =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(5))
              .followRedirects(HttpClient.Redirect.NORMAL)
              .build();
    }
    return client;
  }

  private synchronized ScheduledThreadPoolExecutor timer() {
    if (timer == null) {
      ScheduledThreadPoolExecutor t =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread th = new Thread(r, "sluice-jwks-refresh");
                th.setDaemon(true);
                return th;
              });
      t.setRemoveOnCancelPolicy(true);
      timer = t;
    }
    return timer;
  }
}
