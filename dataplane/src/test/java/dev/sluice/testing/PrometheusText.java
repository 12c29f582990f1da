package dev.sluice.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests that scrape {@code
 * /metrics}. No Java parser of the format is published on Maven Central (the Prometheus Java client
 * only writes it), so this one follows the format's specification
 * (prometheus.io/docs/instrumenting/exposition_formats) and rejects what Prometheus would reject:
 *
 * <ul>
 *   <li>{@code # HELP} / {@code # TYPE} lines with valid names, one TYPE per family, before its
 *       samples; known types only;
 *   <li>samples {@code name{label="value",...} value [timestamp]} with valid metric and label names,
 *       the {@code \\ \" \n} escapes only, no label twice, Go float syntax ({@code NaN}, {@code
 *       +Inf}, {@code -Inf}) and an integer timestamp;
 *   <li>a family's samples in one group, a sample's name matching its family's type ({@code _total}
 *       for counters as the Prometheus client writes them, {@code _bucket/_count/_sum} for
 *       histograms), no duplicate series;
 *   <li>histograms: an {@code le} label on every bucket, cumulative counts, a {@code +Inf} bucket
 *       equal to {@code _count};
 *   <li>the text ends with a newline.
 * </ul>
 *
 * Failures are {@link IllegalArgumentException}s naming the line.
 */
public final class PrometheusText {
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern FLOAT =
      Pattern.compile("[+-]?(\\d+\\.?\\d*([eE][+-]?\\d+)?|\\.\\d+([eE][+-]?\\d+)?|Inf|NaN)");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** One metric family: its TYPE (untyped when none was given), HELP and samples in order. */
  public record Family(String name, String type, String help, List<Sample> samples) {}

  private final Map<String, Family> families;

  private PrometheusText(Map<String, Family> families) {
    this.families = families;
  }

  public Map<String, Family> families() {
    return families;
  }

  public Family family(String name) {
    Family f = families.get(name);
    if (f == null) {
      throw new AssertionError("no metric family " + name + " in scrape; have " + families.keySet());
    }
    return f;
  }

  /**
   * Sum of the samples named {@code sample} whose labels include all of {@code labels} (0 when
   * none match: a counter not yet created has counted nothing).
   */
  public double sum(String sample, Map<String, String> labels) {
    double total = 0;
    for (Family f : families.values()) {
      for (Sample s : f.samples()) {
        if (s.name().equals(sample) && s.labels().entrySet().containsAll(labels.entrySet())) {
          total += s.value();
        }
      }
    }
    return total;
  }

  public static PrometheusText parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new IllegalArgumentException("exposition does not end with a newline");
    }
    Map<String, String> types = new HashMap<>();
    Map<String, String> helps = new HashMap<>();
    Map<String, List<Sample>> samples = new LinkedHashMap<>();
    Set<String> closed = new HashSet<>();
    Set<String> series = new HashSet<>();
    String current = null;
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length - 1; i++) {
      String line = lines[i];
      int no = i + 1;
      try {
        if (line.isBlank()) {
          continue;
        }
        if (line.startsWith("#")) {
          String[] parts = line.split("[ \t]+", 4);
          if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
            String name = parts[2];
            require(METRIC_NAME.matcher(name).matches(), "bad metric name " + name);
            String rest = parts.length > 3 ? parts[3] : "";
            current = switchTo(current, name, closed);
            samples.computeIfAbsent(name, k -> new ArrayList<>());
            if (parts[1].equals("TYPE")) {
              require(TYPES.contains(rest), "unknown type " + rest);
              require(types.put(name, rest) == null, "second TYPE for " + name);
              require(samples.get(name).isEmpty(), "TYPE after samples of " + name);
            } else {
              require(helps.put(name, unescapeHelp(rest)) == null, "second HELP for " + name);
            }
          }
          continue; // other comments are ignored
        }
        Sample s = sample(line);
        String family = familyOf(s.name(), types);
        current = switchTo(current, family, closed);
        require(
            series.add(s.name() + new TreeMap<>(s.labels())), "duplicate series " + s.name() + s.labels());
        samples.computeIfAbsent(family, k -> new ArrayList<>()).add(s);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("line " + no + ": " + e.getMessage() + ": " + line, e);
      }
    }
    Map<String, Family> out = new LinkedHashMap<>();
    samples.forEach(
        (name, list) -> {
          String type = types.getOrDefault(name, "untyped");
          Family f = new Family(name, type, helps.get(name), List.copyOf(list));
          if (type.equals("histogram")) {
            checkHistogram(f);
          }
          out.put(name, f);
        });
    return new PrometheusText(out);
  }

  private static String switchTo(String current, String next, Set<String> closed) {
    if (next.equals(current)) {
      return current;
    }
    require(!closed.contains(next), "samples of " + next + " are not in one group");
    if (current != null) {
      closed.add(current);
    }
    return next;
  }

  /** The family a sample belongs to: its declared family, by the suffixes its type allows. */
  private static String familyOf(String sample, Map<String, String> types) {
    String type = types.get(sample);
    if (type != null) {
      require(!type.equals("histogram") && !type.equals("summary"),
          type + " sample without suffix: " + sample);
      return sample;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        String t = types.get(base);
        if ("histogram".equals(t) || ("summary".equals(t) && !suffix.equals("_bucket"))) {
          return base;
        }
      }
    }
    if (sample.endsWith("_total")
        && "counter".equals(types.get(sample.substring(0, sample.length() - 6)))) {
      return sample.substring(0, sample.length() - 6); // TYPE written without the suffix
    }
    return sample; // untyped
  }

  private static Sample sample(String line) {
    int i = 0;
    int n = line.length();
    while (i < n && line.charAt(i) != '{' && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
      i++;
    }
    String name = line.substring(0, i);
    require(METRIC_NAME.matcher(name).matches(), "bad metric name '" + name + "'");
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < n && line.charAt(i) == '{') {
      i++;
      while (true) {
        i = skipSpaces(line, i);
        require(i < n, "unterminated label set");
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int start = i;
        while (i < n && line.charAt(i) != '=' && line.charAt(i) != ' ') {
          i++;
        }
        String label = line.substring(start, i);
        require(LABEL_NAME.matcher(label).matches(), "bad label name '" + label + "'");
        i = skipSpaces(line, i);
        require(i < n && line.charAt(i) == '=', "expected = after " + label);
        i = skipSpaces(line, i + 1);
        require(i < n && line.charAt(i) == '"', "expected \" to open the value of " + label);
        StringBuilder value = new StringBuilder();
        i++;
        while (true) {
          require(i < n, "unterminated value of " + label);
          char c = line.charAt(i++);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            require(i < n, "dangling escape");
            char e = line.charAt(i++);
            switch (e) {
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              case 'n' -> value.append('\n');
              default -> throw new IllegalArgumentException("bad escape \\" + e);
            }
          } else {
            value.append(c);
          }
        }
        require(labels.put(label, value.toString()) == null, "label " + label + " twice");
        i = skipSpaces(line, i);
        require(i < n, "unterminated label set");
        if (line.charAt(i) == ',') {
          i++;
        } else {
          require(line.charAt(i) == '}', "expected , or } after label " + label);
        }
      }
    }
    String[] rest = line.substring(i).trim().split("[ \t]+");
    require(rest.length == 1 || rest.length == 2, "expected value [timestamp]");
    require(FLOAT.matcher(rest[0]).matches(), "bad value '" + rest[0] + "'");
    double value =
        switch (rest[0]) {
          case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
          case "-Inf" -> Double.NEGATIVE_INFINITY;
          case "NaN", "+NaN", "-NaN" -> Double.NaN;
          default -> Double.parseDouble(rest[0]);
        };
    if (rest.length == 2) {
      require(rest[1].matches("-?\\d+"), "bad timestamp '" + rest[1] + "'");
    }
    return new Sample(name, Map.copyOf(labels), value);
  }

  private static void checkHistogram(Family f) {
    Map<Map<String, String>, List<Sample>> buckets = new HashMap<>();
    Map<Map<String, String>, Double> counts = new HashMap<>();
    for (Sample s : f.samples()) {
      if (s.name().equals(f.name() + "_bucket")) {
        require(s.labels().containsKey("le"), f.name() + " bucket without le");
        Map<String, String> rest = new HashMap<>(s.labels());
        rest.remove("le");
        buckets.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
      } else if (s.name().equals(f.name() + "_count")) {
        counts.put(s.labels(), s.value());
      }
    }
    buckets.forEach(
        (labels, list) -> {
          double prevLe = Double.NEGATIVE_INFINITY;
          double prevCount = 0;
          for (Sample b : list) {
            String le = b.labels().get("le");
            double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
            require(bound > prevLe, f.name() + " buckets out of order at le=" + le);
            require(b.value() >= prevCount, f.name() + " bucket counts not cumulative at le=" + le);
            prevLe = bound;
            prevCount = b.value();
          }
          require(prevLe == Double.POSITIVE_INFINITY, f.name() + labels + " has no +Inf bucket");
          require(
              Double.valueOf(prevCount).equals(counts.get(labels)),
              f.name() + labels + ": +Inf bucket " + prevCount + " != _count " + counts.get(labels));
        });
  }

  private static String unescapeHelp(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char e = s.charAt(++i);
        b.append(e == 'n' ? '\n' : e == '\\' ? '\\' : fail("bad escape in HELP: \\" + e));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static char fail(String message) {
    throw new IllegalArgumentException(message);
  }

  private static int skipSpaces(String line, int i) {
    while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
