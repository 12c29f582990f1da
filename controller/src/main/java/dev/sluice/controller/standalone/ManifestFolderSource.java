package dev.sluice.controller.standalone;

import dev.sluice.controller.Debouncer;
import dev.sluice.controller.metrics.ControllerMetrics;
import dev.sluice.controller.standalone.ManifestParser.ParseError;
import dev.sluice.controller.standalone.ManifestParser.Parsed;
import dev.sluice.controller.translate.ClusterState;
import dev.sluice.controller.translate.ResourceProblem;
import dev.sluice.controller.translate.SnapshotTranslator;
import dev.sluice.controller.translate.Translation;
import dev.sluice.dataplane.snapshot.Snapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone mode's source of snapshots: every {@code *.yaml}, {@code *.yml} and {@code *.json}
 * under a folder (recursively), translated with the same {@link SnapshotTranslator} the cluster
 * controller uses and published to a consumer (the data plane's {@code SnapshotHolder}).
 *
 * <p>Changes are picked up by a {@link WatchService} on the directory tree, plus a poll of the
 * files' contents every {@code pollInterval} because watch events can be lost (overflow, network
 * and container file systems). Events are debounced: a reload happens once the folder has been
 * quiet for {@code quietPeriod}, or at the latest {@code maxDelay} after the first change, so a
 * saved change is live well within a second and a burst of writes makes one snapshot.
 *
 * <p>A file that does not parse is logged at ERROR with its path, line and column, and nothing is
 * published until it is fixed: the last good snapshot stays in service rather than one missing that
 * file's routes. Resources the translator rejects are logged one line each; the rest is served.
 *
 * <p>Threading: {@link #start()} loads once on the caller's thread, then hands all mutable state to
 * one daemon thread ({@code sluice-manifests}) that watches and reloads. {@link #close()} may be
 * called from any thread. Accessors read volatile fields.
 */
public final class ManifestFolderSource implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ManifestFolderSource.class);

  public static final Duration DEFAULT_QUIET_PERIOD = Debouncer.DEFAULT_QUIET_PERIOD;
  public static final Duration DEFAULT_MAX_DELAY = Debouncer.DEFAULT_MAX_DELAY;
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);

  private final Path folder;
  private final SnapshotTranslator translator;
  private final Consumer<Snapshot> sink;
  private final long pollNanos;
  private final ManifestParser parser = new ManifestParser();

  // Watcher-thread state (the starting thread until start() returns).
  private final Map<Path, CachedFile> files = new HashMap<>();
  private final Debouncer debouncer;
  private String attemptedFingerprint;
  private long version;
  private WatchService watcher;

  private volatile Thread thread;
  private volatile boolean running;
  private volatile Translation lastPublished;
  private volatile List<ParseError> errors = List.of();
  /** Set by {@link #refresh()}: translate again even though no file changed. */
  private volatile boolean forced;
  private volatile Consumer<Translation> onTranslated = t -> {};
  private volatile ControllerMetrics metrics = ControllerMetrics.discarding();
  /** Watch thread: when the first change event not yet reloaded arrived (nanoTime), while dirty. */
  private long dirtySince;

  private static final long NO_CHANGE = Long.MIN_VALUE;

  private record CachedFile(String content, Parsed parsed) {}

  public ManifestFolderSource(Path folder, SnapshotTranslator translator, Consumer<Snapshot> sink) {
    this(folder, translator, sink, DEFAULT_QUIET_PERIOD, DEFAULT_MAX_DELAY, DEFAULT_POLL_INTERVAL);
  }

  public ManifestFolderSource(
      Path folder,
      SnapshotTranslator translator,
      Consumer<Snapshot> sink,
      Duration quietPeriod,
      Duration maxDelay,
      Duration pollInterval) {
    this.folder = folder.toAbsolutePath().normalize();
    this.translator = Objects.requireNonNull(translator, "translator");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.debouncer = new Debouncer(quietPeriod, maxDelay);
    this.pollNanos = pollInterval.toNanos();
  }

  /**
   * Loads the folder once on this thread (publishing its snapshot) and starts watching it.
   *
   * @return the published translation, or empty when a file has errors (logged; nothing published
   *     until it is fixed, and the watcher is running so that fixing it is enough)
   * @throws IOException when the folder does not exist or cannot be watched
   */
  public synchronized Optional<Translation> start() throws IOException {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    if (!Files.isDirectory(folder)) {
      throw new NoSuchFileException(folder.toString(), null, "not a directory");
    }
    watcher = FileSystems.getDefault().newWatchService();
    try {
      registerTree(folder);
      reload(NO_CHANGE); // startup, not a change going live
    } catch (IOException | RuntimeException e) {
      watcher.close();
      throw e;
    }
    running = true;
    Thread t = new Thread(this::watchLoop, "sluice-manifests");
    t.setDaemon(true);
    thread = t;
    t.start();
    return Optional.ofNullable(lastPublished);
  }

  /**
   * Called on the watcher thread after every translation that was published (the ACME manager
   * reads its certificate demands from it). Set before {@link #start()}.
   */
  public void onTranslated(Consumer<Translation> listener) {
    onTranslated = Objects.requireNonNull(listener, "listener");
  }

  /**
   * Translates again at the next poll even if no file changed: inputs other than the folder (ACME
   * challenges, issued certificates) changed. Any thread.
   */
  public void refresh() {
    forced = true;
  }

  /**
   * Where rebuild durations, change-to-live times (from the first file event of a reload to its
   * snapshot being live; changes only the content-hash poll noticed have no event time and are not
   * timed) and the translation gauges go. Call before {@link #start()}.
   */
  public void recordTo(ControllerMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  /** The folder being watched (absolute). */
  public Path folder() {
    return folder;
  }

  /** The last translation published, or {@code null} before the first good load. */
  public Translation lastPublished() {
    return lastPublished;
  }

  /** Parse errors of the last load attempt; empty when the folder is good. */
  public List<ParseError> errors() {
    return errors;
  }

  @Override
  public synchronized void close() {
    running = false;
    Thread t = thread;
    try {
      if (watcher != null) {
        watcher.close(); // wakes the thread out of poll()
      }
    } catch (IOException e) {
      log.debug("closing the watch service", e);
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void watchLoop() {
    long nextPoll = System.nanoTime() + pollNanos;
    while (running) {
      try {
        long now = System.nanoTime();
        long wait = Math.min(nextPoll - now, debouncer.nanosUntilDue(now));
        WatchKey key = watcher.poll(Math.max(1, wait), TimeUnit.NANOSECONDS);
        while (key != null) {
          if (handle(key)) {
            long at = System.nanoTime();
            if (!debouncer.isDirty()) {
              dirtySince = at;
            }
            debouncer.changed(at);
          }
          key = watcher.poll(); // drain whatever else arrived
        }
        now = System.nanoTime();
        if (debouncer.due(now) || now >= nextPoll) {
          long changeSince = debouncer.isDirty() ? dirtySince : NO_CHANGE;
          debouncer.clear();
          nextPoll = now + pollNanos;
          reload(changeSince);
        }
      } catch (ClosedWatchServiceException e) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException | IOException e) {
        // Never let the watcher die: log and go on; the next poll retries.
        log.error("manifest folder {}: {}", folder, e.toString(), e);
      }
    }
  }

  /** @return whether the event concerns manifests (and so warrants a reload) */
  private boolean handle(WatchKey key) throws IOException {
    boolean relevant = false;
    Path dir = (Path) key.watchable();
    for (WatchEvent<?> event : key.pollEvents()) {
      if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
        relevant = true;
        continue;
      }
      Path child = dir.resolve((Path) event.context());
      if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE
          && Files.isDirectory(child)
          && !ManifestFolder.isSkippedDirectory(child, folder)) {
        registerTree(child); // files created inside before registration are seen by the reload
        relevant = true;
      } else if (ManifestFolder.isManifest(child) || Files.isDirectory(child)
          || event.kind() == StandardWatchEventKinds.ENTRY_DELETE) {
        relevant = true;
      }
    }
    key.reset();
    return relevant;
  }

  private void registerTree(Path root) throws IOException {
    for (Path dir : ManifestFolder.directories(root)) {
      dir.register(
          watcher,
          StandardWatchEventKinds.ENTRY_CREATE,
          StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
    }
  }

  /**
   * Reads every manifest; when the contents differ from the last attempt, parses what changed and
   * either publishes a new snapshot or (on errors) logs them and keeps the last good one.
   */
  private void reload(long changeSince) throws IOException {
    long start = System.nanoTime();
    Map<Path, String> contents = new LinkedHashMap<>();
    for (Path file : ManifestFolder.manifests(folder)) {
      try {
        contents.put(file, Files.readString(file, StandardCharsets.UTF_8));
      } catch (NoSuchFileException e) {
        // deleted between listing and reading: it is gone
      } catch (IOException e) {
        contents.put(file, "\u0000unreadable: " + e);
      }
    }
    String fingerprint = fingerprint(contents);
    boolean force = forced;
    forced = false;
    if (fingerprint.equals(attemptedFingerprint) && !force) {
      return; // nothing changed since the last attempt (good or bad): no new snapshot, no new log
    }
    attemptedFingerprint = fingerprint;

    List<HasMetadata> resources = new ArrayList<>();
    List<ParseError> found = new ArrayList<>();
    files.keySet().retainAll(contents.keySet());
    for (Map.Entry<Path, String> e : contents.entrySet()) {
      Path file = e.getKey();
      CachedFile cached = files.get(file);
      if (cached == null || !cached.content().equals(e.getValue())) {
        cached = new CachedFile(e.getValue(), parse(file, e.getValue()));
        files.put(file, cached);
      }
      resources.addAll(cached.parsed().resources());
      found.addAll(cached.parsed().errors());
    }
    errors = List.copyOf(found);
    if (!found.isEmpty()) {
      for (ParseError err : found) {
        log.error("manifest {}", err);
      }
      Translation last = lastPublished;
      log.error(
          "{} manifest error(s) under {}: {}",
          found.size(),
          folder,
          last == null
              ? "nothing is served until they are fixed"
              : "still serving snapshot v" + last.snapshot().version());
      return;
    }
    Translation t = translator.translate(ClusterState.of(resources), ++version);
    for (ResourceProblem p : t.problems()) {
      if (p.reason() == ResourceProblem.Reason.IngressClassMismatch) {
        log.info("not served: {}", p);
      } else {
        log.warn("{}", p);
      }
    }
    sink.accept(t.snapshot());
    long live = System.nanoTime();
    ControllerMetrics m = metrics;
    m.built(live - start);
    if (changeSince != NO_CHANGE) {
      m.live(live - changeSince);
    }
    m.translated(t);
    lastPublished = t;
    log.info("published snapshot v{} from {}: {}", version, folder, summary(t.snapshot()));
    onTranslated.accept(t);
  }

  private Parsed parse(Path file, String content) {
    if (content.startsWith("\u0000unreadable: ")) {
      return new Parsed(List.of(), List.of(new ParseError(file.toString(), 0, 0, content.substring(1))));
    }
    boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
    return parser.parse(file.toString(), content, json);
  }

  /** SHA-256 over every path and content, in path order: equal iff the folder is unchanged. */
  private static String fingerprint(Map<Path, String> contents) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<Path, String> e : contents.entrySet()) {
        md.update(e.getKey().toString().getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(e.getValue().getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** {@code 3 hosts, 5 routes, 1 passthrough, 2 certificates} */
  public static String summary(Snapshot s) {
    int routes = s.virtualHosts().stream().mapToInt(v -> v.routes().size()).sum();
    return s.virtualHosts().size() + " hosts, " + routes + " routes, " + s.passthrough().size()
        + " passthrough, " + s.certificates().size() + " certificates";
  }
}
