package dev.sluice.controller;

import dev.sluice.controller.standalone.ManifestFolderSource;
import dev.sluice.controller.translate.SnapshotTranslator;
import dev.sluice.controller.translate.Translation;
import dev.sluice.controller.translate.TranslatorSettings;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import dev.sluice.dataplane.snapshot.Certificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code sluice} command: parses flags, loads the manifest folder (standalone mode), starts the
 * data plane and blocks until the process is told to stop. Cluster mode arrives with the Controller
 * issue; until then {@code --manifests} is required.
 */
public final class Main {
  /** Exit status for a command line that cannot be run (as getopt-style tools use). */
  static final int EXIT_USAGE = 2;

  static final int EXIT_FAILURE = 1;

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    Optional<Running> running = start(args, System.out, System.err);
    if (running.isEmpty()) {
      System.exit(lastExitCode);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  running.get().close();
                  stopped.countDown();
                },
                "sluice-shutdown"));
    stopped.await();
  }

  /** What {@link #start} brought up; closing it stops the server, then the folder watcher. */
  record Running(SluiceServer server, ManifestFolderSource source) implements AutoCloseable {
    @Override
    public void close() {
      try {
        server.close();
      } finally {
        source.close();
      }
    }
  }

  private static volatile int lastExitCode;

  /**
   * Everything {@link #main} does short of blocking, so tests can run the command line.
   *
   * @return the running process, or empty when it should exit with {@link #lastExitCode} (0 after
   *     {@code --help}, {@value #EXIT_USAGE} for a bad command line, {@value #EXIT_FAILURE} when
   *     the folder cannot be read)
   */
  static Optional<Running> start(String[] args, PrintStream out, PrintStream err)
      throws InterruptedException {
    Flags flags;
    try {
      flags = Flags.parse(args);
    } catch (Flags.UsageException e) {
      err.println("sluice: " + e.getMessage());
      err.print(Flags.USAGE);
      lastExitCode = EXIT_USAGE;
      return Optional.empty();
    }
    if (flags.help()) {
      out.print(Flags.USAGE);
      lastExitCode = 0;
      return Optional.empty();
    }
    if (flags.manifests() == null) {
      err.println(
          "sluice: --manifests DIR is required: Sluice runs standalone on a folder of Kubernetes"
              + " manifests (cluster mode is not available yet)");
      err.print(Flags.USAGE);
      lastExitCode = EXIT_USAGE;
      return Optional.empty();
    }

    ServerSettings settings = flags.serverSettings();
    SnapshotHolder holder;
    try {
      holder = new SnapshotHolder(flags.tlsSettings(), defaultCertificate(flags));
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      err.println("sluice: " + e.getMessage());
      lastExitCode = EXIT_FAILURE;
      return Optional.empty();
    }
    if (!holder.certificateProblems().isEmpty()) {
      // the configured default certificate was refused: a flag the user gave, so stop here
      err.println(
          "sluice: --default-certificate-file: " + holder.certificateProblems().get(0).message());
      lastExitCode = EXIT_FAILURE;
      return Optional.empty();
    }
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SnapshotTranslator translator =
        new SnapshotTranslator(TranslatorSettings.standalone(flags.ingressClass()));
    ManifestFolderSource source = new ManifestFolderSource(flags.manifests(), translator, holder);
    Optional<Translation> first;
    try {
      first = source.start();
    } catch (IOException e) {
      err.println("sluice: cannot read --manifests " + flags.manifests() + ": " + e.getMessage());
      source.close();
      lastExitCode = EXIT_FAILURE;
      return Optional.empty();
    }
    SluiceServer server;
    try {
      server = SluiceServer.start(settings, holder, registry);
    } catch (RuntimeException | InterruptedException e) {
      source.close();
      throw e;
    }
    out.println(
        "Sluice listening on http://" + settings.bindAddress() + ":" + server.httpPort()
            + " and https://" + settings.bindAddress() + ":" + server.httpsPort() + " ("
            + first.map(t -> "snapshot v" + t.snapshot().version() + ", " + routes(t) + " routes")
                .orElse("no snapshot yet: fix the manifest errors logged above")
            + ")");
    return Optional.of(new Running(server, source));
  }

  /**
   * The {@code --default-certificate-file} pair as a certificate, or {@code null} for the generated
   * one. Its host names are left empty: it is only ever served as the default.
   */
  static Certificate defaultCertificate(Flags flags) throws IOException {
    Flags.Https h = flags.https();
    if (h.defaultCertificate() == null) {
      return null;
    }
    String chain = read(h.defaultCertificate());
    String key = read(h.defaultKey());
    return new Certificate("file:" + h.defaultCertificate(), List.of(), chain, key);
  }

  private static String read(Path file) throws IOException {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new IOException(
          "--default-certificate-file: cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static int routes(Translation t) {
    return t.snapshot().virtualHosts().stream().mapToInt(v -> v.routes().size()).sum();
  }

  /** Exit code of the last {@link #start} that returned empty. */
  static int lastExitCode() {
    return lastExitCode;
  }
}
