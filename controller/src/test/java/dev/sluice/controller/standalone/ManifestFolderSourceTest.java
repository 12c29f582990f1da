package dev.sluice.controller.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.controller.translate.SnapshotTranslator;
import dev.sluice.controller.translate.TranslatorSettings;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.VirtualHost;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real folder, real file writes, the real watcher thread. */
class ManifestFolderSourceTest {
  /** The promise: a saved change is live within a second. */
  private static final Duration LIVE_WITHIN = Duration.ofSeconds(1);

  @TempDir Path dir;

  private final List<Snapshot> published = new CopyOnWriteArrayList<>();
  private final Consumer<Snapshot> sink = published::add;
  private ManifestFolderSource source;
  private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
  private PrintStream originalErr;

  @BeforeEach
  void captureLog() {
    // slf4j-simple writes to whatever System.err is at the time of the call.
    originalErr = System.err;
    PrintStream tee =
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int b) {
                synchronized (logs) {
                  logs.write(b);
                }
                originalErr.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                synchronized (logs) {
                  logs.write(b, off, len);
                }
                originalErr.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8);
    System.setErr(tee);
  }

  @AfterEach
  void stop() {
    if (source != null) {
      source.close();
    }
    System.setErr(originalErr);
  }

  private String log() {
    synchronized (logs) {
      return logs.toString(StandardCharsets.UTF_8);
    }
  }

  private static String ingress(String name, String host) {
    return """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: %s}
        spec:
          rules:
          - host: %s
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
        """
        .formatted(name, host);
  }

  private static final String SERVICE =
      """
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        ports: [{port: 80}]
      ---
      apiVersion: v1
      kind: Endpoints
      metadata: {name: web}
      subsets:
      - addresses: [{ip: 127.0.0.1}]
        ports: [{port: 8080}]
      """;

  private ManifestFolderSource start() throws IOException {
    source =
        new ManifestFolderSource(
            dir, new SnapshotTranslator(TranslatorSettings.standalone("sluice")), sink);
    source.start();
    return source;
  }

  private Snapshot latest() {
    return published.get(published.size() - 1);
  }

  private static List<String> hosts(Snapshot s) {
    return s.virtualHosts().stream().map(VirtualHost::hostname).toList();
  }

  @Test
  void startLoadsTheFolderSynchronouslyAndPublishes() throws IOException {
    Files.writeString(dir.resolve("service.yaml"), SERVICE);
    Files.writeString(dir.resolve("web.yml"), ingress("web", "web.example.org"));
    Files.writeString(dir.resolve("notes.txt"), "not a manifest");

    var first = start().lastPublished();

    assertThat(published).hasSize(1);
    assertThat(first.snapshot()).isSameAs(published.get(0));
    assertThat(first.snapshot().version()).isEqualTo(1);
    assertThat(hosts(latest())).containsExactly("web.example.org");
    assertThat(latest().virtualHosts().get(0).routes().get(0).backend().endpoints())
        .extracting(e -> e.authority())
        .containsExactly("127.0.0.1:8080");
  }

  @Test
  void editingAFilePublishesANewSnapshotWithinOneSecond() throws IOException {
    Files.writeString(dir.resolve("service.yaml"), SERVICE);
    Path web = Files.writeString(dir.resolve("web.yaml"), ingress("web", "old.example.org"));
    start();

    Files.writeString(web, ingress("web", "new.example.org"));

    await().atMost(LIVE_WITHIN).until(() -> hosts(latest()).equals(List.of("new.example.org")));
    assertThat(latest().version()).isEqualTo(2);
  }

  @Test
  void brokenFileKeepsTheLastGoodSnapshotAndLogsPathAndLineUntilFixed() throws Exception {
    Files.writeString(dir.resolve("service.yaml"), SERVICE);
    Path web = Files.writeString(dir.resolve("web.yaml"), ingress("web", "web.example.org"));
    start();
    Snapshot good = latest();

    // Line 4 indents "rules" under nothing: a YAML syntax error.
    Files.writeString(
        web,
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: web}
          rules: []
        """);

    await().atMost(LIVE_WITHIN).until(() -> !source.errors().isEmpty());
    var error = source.errors().get(0);
    assertThat(error.source()).isEqualTo(web.toString());
    assertThat(error.line()).isEqualTo(4);
    await().atMost(LIVE_WITHIN).until(() -> log().contains(web + ":4:"));
    assertThat(log()).contains("still serving snapshot v1");
    assertThat(published).containsExactly(good);

    Files.writeString(web, ingress("web", "fixed.example.org"));

    await().atMost(LIVE_WITHIN).until(() -> hosts(latest()).equals(List.of("fixed.example.org")));
    assertThat(source.errors()).isEmpty();
    assertThat(published).hasSize(2);
  }

  @Test
  void deletingAFileRemovesItsRoutes() throws IOException {
    Files.writeString(dir.resolve("service.yaml"), SERVICE);
    Files.writeString(dir.resolve("a.yaml"), ingress("a", "a.example.org"));
    Path b = Files.writeString(dir.resolve("b.yaml"), ingress("b", "b.example.org"));
    start();
    assertThat(hosts(latest())).containsExactly("a.example.org", "b.example.org");

    Files.delete(b);

    await().atMost(LIVE_WITHIN).until(() -> hosts(latest()).equals(List.of("a.example.org")));
  }

  @Test
  void filesInNewSubdirectoriesAreWatchedToo() throws IOException {
    Files.writeString(dir.resolve("service.yaml"), SERVICE);
    start();
    assertThat(latest().virtualHosts()).isEmpty();

    Path sub = Files.createDirectories(dir.resolve("team-a/apps"));
    Files.writeString(sub.resolve("app.json"),
        """
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "app"},
         "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}}
        """);

    await().atMost(LIVE_WITHIN).until(() -> hosts(latest()).equals(List.of(VirtualHost.CATCH_ALL)));
  }

  @Test
  void translatorProblemsAreLoggedOneLineEachAndTheRestIsServed() throws IOException {
    Files.writeString(dir.resolve("service.yaml"), SERVICE);
    Files.writeString(dir.resolve("a.yaml"), ingress("a", "a.example.org"));
    Files.writeString(dir.resolve("b.yaml"), ingress("b", "b.example.org").replace("name: web", "name: nope"));
    start();

    assertThat(hosts(latest())).containsExactly("a.example.org");
    assertThat(log()).contains("Ingress default/b: BackendNotFound: rules[0] path /: service \"default/nope\" not found");
  }

  @Test
  void afterCloseChangesAreNoLongerPublished() throws Exception {
    Path web = Files.writeString(dir.resolve("web.yaml"), ingress("web", "web.example.org"));
    start();
    source.close();

    Files.writeString(web, ingress("web", "other.example.org"));
    Thread.sleep(300); // longer than the debounce; nothing may arrive

    assertThat(published).hasSize(1);
  }

  @Test
  void missingFolderIsAClearError() {
    source =
        new ManifestFolderSource(
            dir.resolve("nope"), new SnapshotTranslator(TranslatorSettings.standalone("sluice")), sink);
    assertThatThrownBy(source::start).isInstanceOf(NoSuchFileException.class).hasMessageContaining("nope");
  }
}
