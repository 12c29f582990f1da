package dev.sluice.dataplane.admin;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.metrics.DownstreamTraffic;
import dev.sluice.dataplane.metrics.RequestMetrics;
import dev.sluice.dataplane.proxy.ProxyErrors;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.VirtualHost;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The admin page at {@code /}: one self-contained HTML document (inline CSS, no script, no external
 * asset) that an operator reads at a glance: snapshot version and age, HTTP routes with endpoint
 * readiness and request counts, passthrough hosts, certificates with days to expiry, and the error
 * counters. It reloads itself every 10 seconds.
 *
 * <p>Stateless; rendered on the admin event loop per request.
 */
final class Dashboard {
  /** Certificates closer than this to expiry are flagged. */
  static final Duration EXPIRY_WARNING = Duration.ofDays(14);

  private static final String STYLE =
      """
      body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
      h1{font-size:20px;margin:0 0 .3em}h2{font-size:16px;margin:1.4em 0 .4em}
      table{border-collapse:collapse;background:#fff;min-width:40em}
      th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
      th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}
      .ok{color:#1a7f37}.warn{color:#9a6700;font-weight:600}.bad{color:#cf222e;font-weight:600}
      .muted{color:#888}.tiles{display:flex;flex-wrap:wrap;gap:.6em}
      .tile{background:#fff;border:1px solid #ddd;padding:.4em .8em;min-width:7em}
      .tile b{display:block;font-size:18px}
      """;

  private Dashboard() {}

  static String render(
      SnapshotView view, SnapshotHolder holder, MeterRegistry registry, Instant now) {
    Snapshot s = view.snapshot();
    StringBuilder h = new StringBuilder(8192);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"refresh\" content=\"10\">")
        .append("<title>Sluice</title><style>")
        .append(STYLE)
        .append("</style></head><body>\n");
    h.append("<h1>Sluice</h1>\n<p>");
    if (holder.hasPublished()) {
      h.append("Snapshot <b>v").append(s.version()).append("</b>, built ")
          .append(esc(s.builtAt().toString())).append(" (")
          .append(age(Duration.between(s.builtAt(), now))).append(" ago), published ")
          .append(age(Duration.between(Instant.ofEpochMilli(holder.lastPublishedAtMillis()), now)))
          .append(" ago. <span class=\"ok\">ready</span>");
    } else {
      h.append("<span class=\"bad\">not ready</span>: no snapshot published yet.");
    }
    h.append("</p>\n");

    Map<String, long[]> byRoute = requestsByRoute(registry);
    tiles(h, registry, byRoute);
    routes(h, s, byRoute);
    passthrough(h, s);
    certificates(h, view, now);
    errors(h, registry);
    h.append("<p class=\"muted\">JSON: <a href=\"/snapshot\">/snapshot</a> · metrics: ")
        .append("<a href=\"/metrics\">/metrics</a> · <a href=\"/healthz\">/healthz</a> · ")
        .append("<a href=\"/readyz\">/readyz</a></p>\n</body></html>\n");
    return h.toString();
  }

  /** Request counts per route, indexed by status class. */
  private static Map<String, long[]> requestsByRoute(MeterRegistry registry) {
    Map<String, long[]> out = new HashMap<>();
    for (Counter c : registry.find(RequestMetrics.REQUESTS).counters()) {
      int cls = RequestMetrics.STATUS_CLASSES.indexOf(c.getId().getTag("status_class"));
      if (cls >= 0) {
        out.computeIfAbsent(c.getId().getTag("route"), k -> new long[RequestMetrics.STATUS_CLASSES.size()])[cls] +=
            (long) c.count();
      }
    }
    return out;
  }

  private static void tiles(StringBuilder h, MeterRegistry registry, Map<String, long[]> byRoute) {
    long[] total = new long[RequestMetrics.STATUS_CLASSES.size()];
    for (long[] r : byRoute.values()) {
      for (int i = 0; i < total.length; i++) {
        total[i] += r[i];
      }
    }
    long all = 0;
    for (long n : total) {
      all += n;
    }
    h.append("<div class=\"tiles\">");
    tile(h, "requests", Long.toString(all), "");
    for (int i = 0; i < total.length; i++) {
      String cls = RequestMetrics.STATUS_CLASSES.get(i);
      tile(h, cls, Long.toString(total[i]), cls.equals("5xx") && total[i] > 0 ? "bad" : "");
    }
    double active = 0;
    for (Gauge g : registry.find(DownstreamTraffic.ACTIVE).gauges()) {
      active += g.value();
    }
    tile(h, "open connections", Long.toString((long) active), "");
    tile(h, "bytes in", bytes(sum(registry, DownstreamTraffic.RECEIVED)), "");
    tile(h, "bytes out", bytes(sum(registry, DownstreamTraffic.SENT)), "");
    h.append("</div>\n");
  }

  private static void tile(StringBuilder h, String label, String value, String cls) {
    h.append("<div class=\"tile\"><b class=\"").append(cls).append("\">").append(esc(value))
        .append("</b>").append(esc(label)).append("</div>");
  }

  private static void routes(StringBuilder h, Snapshot s, Map<String, long[]> byRoute) {
    h.append("<h2>HTTP routes</h2>\n");
    if (s.virtualHosts().isEmpty()) {
      h.append("<p class=\"muted\">none</p>\n");
      return;
    }
    h.append("<table><tr><th>host</th><th>path</th><th>type</th><th>backend</th>")
        .append("<th>ready / total</th><th>requests</th><th>5xx</th></tr>\n");
    for (VirtualHost vh : s.virtualHosts()) {
      for (HttpRoute r : vh.routes()) {
        long[] counts = byRoute.getOrDefault(r.name(), new long[RequestMetrics.STATUS_CLASSES.size()]);
        long all = 0;
        for (long n : counts) {
          all += n;
        }
        long errors = counts[RequestMetrics.STATUS_CLASSES.indexOf("5xx")];
        h.append("<tr title=\"").append(esc(r.name())).append("\"><td>")
            .append(esc(vh.isCatchAll() ? "* (any host)" : vh.hostname())).append("</td><td>")
            .append(esc(r.path())).append("</td><td>")
            .append(esc(r.pathType().name().toLowerCase(java.util.Locale.ROOT))).append("</td><td>")
            .append(esc(r.backend().name())).append("</td>");
        readiness(h, r.backend());
        h.append("<td class=\"n\">").append(all).append("</td><td class=\"n")
            .append(errors > 0 ? " bad" : "").append("\">").append(errors).append("</td></tr>\n");
      }
    }
    h.append("</table>\n");
  }

  private static void passthrough(StringBuilder h, Snapshot s) {
    h.append("<h2>TLS passthrough</h2>\n");
    if (s.passthrough().isEmpty()) {
      h.append("<p class=\"muted\">none</p>\n");
      return;
    }
    h.append("<table><tr><th>name</th><th>hosts (SNI)</th><th>backend</th>")
        .append("<th>ready / total</th><th>PROXY protocol</th></tr>\n");
    for (PassthroughRoute p : s.passthrough()) {
      h.append("<tr><td>").append(esc(p.name())).append("</td><td>")
          .append(esc(String.join(", ", p.hostnames()))).append("</td><td>")
          .append(esc(p.backend().name())).append("</td>");
      readiness(h, p.backend());
      h.append("<td>").append(esc(p.proxyProtocol().name().toLowerCase(java.util.Locale.ROOT)))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
  }

  private static void readiness(StringBuilder h, BackendGroup b) {
    int ready = 0;
    for (Endpoint e : b.endpoints()) {
      if (e.ready() && e.weight() > 0) {
        ready++;
      }
    }
    int total = b.endpoints().size();
    String cls = ready == 0 ? "bad" : ready < total ? "warn" : "ok";
    h.append("<td class=\"n ").append(cls).append("\">").append(ready).append(" / ").append(total)
        .append("</td>");
  }

  private static void certificates(StringBuilder h, SnapshotView view, Instant now) {
    h.append("<h2>Certificates</h2>\n");
    if (view.certificates().isEmpty()) {
      h.append("<p class=\"muted\">none</p>\n");
      return;
    }
    h.append("<table><tr><th>name</th><th>hosts</th><th>not after</th><th>expires in</th></tr>\n");
    for (SnapshotView.CertificateInfo c : view.certificates()) {
      h.append("<tr><td>").append(esc(c.name())).append("</td><td>")
          .append(esc(String.join(", ", c.hostnames()))).append("</td>");
      if (c.notAfter() == null) {
        h.append("<td class=\"bad\">unreadable</td><td></td></tr>\n");
        continue;
      }
      Duration left = Duration.between(now, c.notAfter());
      String cls = left.isNegative() ? "bad" : left.compareTo(EXPIRY_WARNING) < 0 ? "warn" : "ok";
      h.append("<td>").append(esc(c.notAfter().toString())).append("</td><td class=\"")
          .append(cls).append("\">")
          .append(left.isNegative() ? "expired " + age(left.negated()) + " ago" : age(left))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
  }

  private static void errors(StringBuilder h, MeterRegistry registry) {
    h.append("<h2>Errors</h2>\n");
    Map<String, Long> kinds = new TreeMap<>();
    for (Counter c : registry.find(ProxyErrors.METRIC).counters()) {
      kinds.merge(c.getId().getTag("kind"), (long) c.count(), Long::sum);
    }
    h.append("<table><tr><th>kind</th><th>count</th></tr>\n");
    for (Map.Entry<String, Long> e : kinds.entrySet()) {
      h.append("<tr><td>").append(esc(e.getKey())).append("</td><td class=\"n")
          .append(e.getValue() > 0 ? " warn" : " muted").append("\">").append(e.getValue())
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
  }

  private static double sum(MeterRegistry registry, String name) {
    double total = 0;
    for (Counter c : registry.find(name).counters()) {
      total += c.count();
    }
    return total;
  }

  static String bytes(double n) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (n >= 1024 && u < units.length - 1) {
      n /= 1024;
      u++;
    }
    return u == 0 ? (long) n + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", n, units[u]);
  }

  /** {@code 3d 4h}, {@code 5m 2s}, {@code 40s}: the two largest units. */
  static String age(Duration d) {
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    long days = d.toDays();
    if (days > 0) {
      return days + "d " + d.toHoursPart() + "h";
    }
    if (d.toHours() > 0) {
      return d.toHours() + "h " + d.toMinutesPart() + "m";
    }
    if (d.toMinutes() > 0) {
      return d.toMinutes() + "m " + d.toSecondsPart() + "s";
    }
    return d.toSeconds() + "s";
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
