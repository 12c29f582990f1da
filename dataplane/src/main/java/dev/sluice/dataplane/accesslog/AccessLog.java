package dev.sluice.dataplane.accesslog;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: event loops {@link #offer} entries, one daemon thread formats and writes them.
 *
 * <p><b>Never blocks an event loop.</b> Entries go into a bounded {@link ArrayBlockingQueue} with
 * the non-blocking {@code offer}; when the writer falls behind (a slow disk, a stdout pipe nobody
 * reads) the queue fills and new entries are dropped and counted in {@value #DROPPED} ({@code
 * sluice_access_log_dropped_total}) rather than slowing traffic down. The writer thread drains
 * what is queued in batches and flushes after each batch.
 *
 * <p><b>Sampling.</b> {@link #sampled()} says whether the request or connection ending now is
 * logged: always at ratio 1, never at 0 (or when off), else with that probability. Callers ask it
 * before capturing anything, so a disabled or unsampled log costs one branch.
 *
 * <p>Thread safety: {@link #sampled} and {@link #offer} from any thread; {@link #close} once.
 */
public final class AccessLog implements AutoCloseable {
  public static final String DROPPED = "sluice.access.log.dropped";
  public static final String WRITTEN = "sluice.access.log.written";

  private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
  private static final AccessLog OFF = new AccessLog();

  private final double ratio;
  private final AccessLogSettings.Format format;
  private final ArrayBlockingQueue<AccessEntry> queue;
  private final Writer out;
  private final boolean closeOut;
  private final Thread writer;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private volatile boolean closing;

  private AccessLog() {
    ratio = 0;
    format = AccessLogSettings.Format.TEXT;
    queue = null;
    out = null;
    closeOut = false;
    writer = null;
  }

  /**
   * A running log writing to {@code out}.
   *
   * @param closeOut whether {@link #close} closes {@code out} (not for standard output)
   */
  public AccessLog(AccessLogSettings settings, Writer out, boolean closeOut) {
    this.ratio = settings.destination() == AccessLogSettings.Destination.OFF ? 0 : settings.sampleRatio();
    this.format = settings.format();
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    this.out = out;
    this.closeOut = closeOut;
    this.writer = Thread.ofPlatform().name("sluice-access-log").daemon().unstarted(this::drain);
    writer.start();
  }

  /** A log that logs nothing. */
  public static AccessLog off() {
    return OFF;
  }

  /**
   * The log {@code settings} describe: off, standard output, or a file opened for appending (created
   * when missing).
   *
   * @throws UncheckedIOException when the file cannot be opened
   */
  public static AccessLog open(AccessLogSettings settings) {
    return switch (settings.destination()) {
      case OFF -> OFF;
      case STDOUT ->
          new AccessLog(
              settings,
              new BufferedWriter(
                  new OutputStreamWriter(
                      new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8)),
              false);
      case FILE -> {
        try {
          Writer w =
              Files.newBufferedWriter(
                  settings.file(),
                  StandardCharsets.UTF_8,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.APPEND,
                  StandardOpenOption.WRITE);
          yield new AccessLog(settings, w, true);
        } catch (IOException e) {
          throw new UncheckedIOException(
              "cannot open access log file " + settings.file() + ": " + e.getMessage(), e);
        }
      }
    };
  }

  /** Registers {@value #DROPPED} and {@value #WRITTEN} (counters). */
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder(DROPPED, dropped, AtomicLong::doubleValue)
        .description("Access log lines dropped because the writer fell behind")
        .register(registry);
    FunctionCounter.builder(WRITTEN, written, AtomicLong::doubleValue)
        .description("Access log lines written")
        .register(registry);
  }

  /** Whether the request or connection ending now is to be logged (see the class comment). */
  public boolean sampled() {
    double r = ratio;
    return r >= 1 || (r > 0 && ThreadLocalRandom.current().nextDouble() < r);
  }

  /**
   * Queues {@code e} for writing, or drops and counts it when the queue is full. Never blocks.
   *
   * @return whether it was queued
   */
  public boolean offer(AccessEntry e) {
    if (queue == null || closing) {
      return false;
    }
    if (queue.offer(e)) {
      return true;
    }
    dropped.incrementAndGet();
    return false;
  }

  /** Lines dropped so far because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Lines written so far. */
  public long written() {
    return written.get();
  }

  private void drain() {
    List<AccessEntry> batch = new ArrayList<>(256);
    boolean failed = false;
    while (true) {
      AccessEntry first;
      try {
        first = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        first = null; // closing: write what is left below
      }
      if (first == null) {
        if (closing && queue.isEmpty()) {
          return;
        }
        continue;
      }
      batch.add(first);
      queue.drainTo(batch, 255);
      try {
        for (AccessEntry e : batch) {
          out.write(AccessLogFormat.format(e, format));
          out.write('\n');
        }
        out.flush();
        written.addAndGet(batch.size());
        failed = false;
      } catch (IOException | RuntimeException ex) {
        dropped.addAndGet(batch.size());
        if (!failed) { // once per failing stretch, not once per batch
          log.warn("access log write failed: {}", ex.toString());
          failed = true;
        }
      }
      batch.clear();
    }
  }

  /** Writes what is queued (waiting up to two seconds), then stops the writer thread. */
  @Override
  public void close() {
    if (writer == null || closing) {
      return;
    }
    closing = true;
    try {
      writer.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (closeOut) {
        out.close();
      } else {
        out.flush();
      }
    } catch (IOException e) {
      log.warn("closing the access log: {}", e.toString());
    }
  }
}
