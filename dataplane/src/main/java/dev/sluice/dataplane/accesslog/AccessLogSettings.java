package dev.sluice.dataplane.accesslog;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Whether and where the access log is written (from flags; fixed for the process's life).
 *
 * @param destination {@code OFF}, {@code STDOUT} or {@code FILE}
 * @param file the file appended to when {@code destination} is {@code FILE}, else {@code null}
 * @param format one line of text (combined-log-like) or one JSON object per line
 * @param sampleRatio the share of requests and connections logged, 0..1 (1: all, 0: none)
 * @param queueCapacity lines waiting for the writer thread before new ones are dropped
 */
public record AccessLogSettings(
    Destination destination, Path file, Format format, double sampleRatio, int queueCapacity) {

  public static final int DEFAULT_QUEUE_CAPACITY = 65_536;

  /** Where lines go. */
  public enum Destination {
    OFF,
    STDOUT,
    FILE
  }

  /** How a line looks; see {@link AccessLogFormat}. */
  public enum Format {
    TEXT,
    JSON
  }

  public AccessLogSettings {
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(format, "format");
    if ((destination == Destination.FILE) != (file != null)) {
      throw new IllegalArgumentException("a file is given exactly when the destination is FILE");
    }
    if (!(sampleRatio >= 0 && sampleRatio <= 1)) { // also refuses NaN
      throw new IllegalArgumentException("access log sample ratio must be in 0..1: " + sampleRatio);
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("access log queue capacity must be >= 1: " + queueCapacity);
    }
  }

  /** No access log (the default). */
  public static AccessLogSettings off() {
    return new AccessLogSettings(Destination.OFF, null, Format.TEXT, 1, DEFAULT_QUEUE_CAPACITY);
  }

  /** Every request and connection, as text, to standard output. */
  public static AccessLogSettings stdout() {
    return new AccessLogSettings(Destination.STDOUT, null, Format.TEXT, 1, DEFAULT_QUEUE_CAPACITY);
  }

  /** Every request and connection, as text, appended to {@code file}. */
  public static AccessLogSettings file(Path file) {
    return new AccessLogSettings(
        Destination.FILE, Objects.requireNonNull(file, "file"), Format.TEXT, 1,
        DEFAULT_QUEUE_CAPACITY);
  }

  /**
   * From the flag values: {@code destination} is {@code off}, {@code stdout} or a file path;
   * {@code format} is {@code text} or {@code json}; {@code sample} a ratio such as {@code 0.1}.
   *
   * @throws IllegalArgumentException with a one-line reason when a value is not understood
   */
  public static AccessLogSettings parse(String destination, String format, String sample) {
    if (destination == null || destination.isBlank()) {
      throw new IllegalArgumentException("--access-log needs off, stdout or a file path");
    }
    Destination d;
    Path file = null;
    switch (destination.strip().toLowerCase(Locale.ROOT)) {
      case "off" -> d = Destination.OFF;
      case "stdout", "-" -> d = Destination.STDOUT;
      default -> {
        d = Destination.FILE;
        file = Path.of(destination.strip());
      }
    }
    Format f =
        switch (format == null ? "text" : format.strip().toLowerCase(Locale.ROOT)) {
          case "text" -> Format.TEXT;
          case "json" -> Format.JSON;
          default ->
              throw new IllegalArgumentException(
                  "--access-log-format must be text or json, not \"" + format + "\"");
        };
    double ratio = 1;
    if (sample != null) {
      try {
        ratio = Double.parseDouble(sample.strip());
      } catch (NumberFormatException e) {
        ratio = Double.NaN;
      }
      if (!(ratio >= 0 && ratio <= 1)) {
        throw new IllegalArgumentException(
            "--access-log-sample must be a ratio from 0 to 1 such as 0.1, not \"" + sample + "\"");
      }
    }
    return new AccessLogSettings(d, file, f, ratio, DEFAULT_QUEUE_CAPACITY);
  }

  public AccessLogSettings withFormat(Format f) {
    return new AccessLogSettings(destination, file, f, sampleRatio, queueCapacity);
  }

  public AccessLogSettings withSampleRatio(double ratio) {
    return new AccessLogSettings(destination, file, format, ratio, queueCapacity);
  }

  public AccessLogSettings withQueueCapacity(int capacity) {
    return new AccessLogSettings(destination, file, format, sampleRatio, capacity);
  }
}
