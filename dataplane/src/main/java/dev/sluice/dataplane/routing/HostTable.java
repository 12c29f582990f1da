package dev.sluice.dataplane.routing;

import java.util.Objects;

/**
 * Host name → value, with exact names and one-label wildcards ({@code *.example.org}), looked up
 * without allocating: ASCII case-insensitive, over a range of any {@link CharSequence}. Used for
 * the Host header (HTTP routes) and for SNI (passthrough routes, certificates).
 *
 * <table>
 *   <caption>Which pattern a name matches</caption>
 *   <tr><th>name</th><th>{@code a.example.org}</th><th>{@code *.example.org}</th></tr>
 *   <tr><td>{@code a.example.org}, {@code A.Example.ORG}</td><td>yes (wins)</td><td>yes</td></tr>
 *   <tr><td>{@code b.example.org}</td><td>no</td><td>yes</td></tr>
 *   <tr><td>{@code example.org}</td><td>no</td><td>no: the wildcard needs one label</td></tr>
 *   <tr><td>{@code a.b.example.org}</td><td>no</td><td>no: exactly one label</td></tr>
 * </table>
 *
 * <p>The catch-all ({@code *}) is not a pattern here: what applies when nothing matches (rules
 * without host, the default certificate) is the caller's business.
 *
 * <p>Thread safety: immutable once built; any thread may look up concurrently.
 *
 * @param <T> what a name maps to
 */
public final class HostTable<T> {
  private static final HostTable<?> EMPTY = HostTable.builder().build();

  private final NameMap<T> exact;
  private final NameMap<T> wildcard;

  private HostTable(NameMap<T> exact, NameMap<T> wildcard) {
    this.exact = exact;
    this.wildcard = wildcard;
  }

  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  @SuppressWarnings("unchecked")
  public static <T> HostTable<T> empty() {
    return (HostTable<T>) EMPTY;
  }

  /**
   * Exact name first, then the one-label wildcard; one trailing dot of {@code name} is ignored.
   *
   * @param name a bare host name (no port), any case; {@code null} finds nothing
   * @return the value, or {@code null}
   */
  public T lookup(CharSequence name) {
    if (name == null) {
      return null;
    }
    int end = name.length();
    if (end > 0 && name.charAt(end - 1) == '.') {
      end--;
    }
    return lookup(name, 0, end);
  }

  /**
   * Exact name first, then the one-label wildcard, for the host name in {@code name[start, end)}
   * (already without port or trailing dot).
   */
  public T lookup(CharSequence name, int start, int end) {
    T value = exact(name, start, end);
    return value != null ? value : wildcard(name, start, end);
  }

  /** The value stored for exactly this name, or {@code null}. */
  public T exact(CharSequence name, int start, int end) {
    return start < end ? exact.get(name, start, end) : null;
  }

  /**
   * The value of the wildcard pattern covering this name ({@code *.} + all but its first label).
   */
  public T wildcard(CharSequence name, int start, int end) {
    if (wildcard.size() == 0) {
      return null;
    }
    for (int i = start; i < end; i++) {
      if (name.charAt(i) == '.') {
        // an empty first label (".example.org") is not a label
        return i > start && i + 1 < end ? wildcard.get(name, i + 1, end) : null;
      }
    }
    return null;
  }

  public int size() {
    return exact.size() + wildcard.size();
  }

  public boolean isEmpty() {
    return size() == 0;
  }

  /**
   * Collects patterns for one table.
   *
   * <p>Thread safety: confined to the thread building the snapshot.
   */
  public static final class Builder<T> {
    private final NameMap.Builder<T> exact = new NameMap.Builder<>(true);
    private final NameMap.Builder<T> wildcard = new NameMap.Builder<>(true);

    private Builder() {}

    /**
     * Adds a pattern: an exact name ({@code a.example.org}, an IP literal, {@code [::1]}) or a
     * one-label wildcard ({@code *.example.org}). Case and one trailing dot are ignored.
     *
     * @return {@code true} if added; {@code false} if the pattern was already present (the first
     *     value put for a pattern wins)
     * @throws IllegalArgumentException for an empty name, the catch-all {@code *}, or a {@code *}
     *     anywhere but as the whole first label
     */
    public boolean put(String pattern, T value) {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(value, "value");
      String p = normalize(pattern);
      if (p.startsWith("*.")) {
        String suffix = p.substring(2);
        if (suffix.isEmpty() || suffix.indexOf('*') >= 0 || suffix.startsWith(".")) {
          throw new IllegalArgumentException("invalid wildcard host pattern: '" + pattern + "'");
        }
        return wildcard.putIfAbsent(suffix, value);
      }
      if (p.isEmpty() || p.indexOf('*') >= 0) {
        throw new IllegalArgumentException(
            "invalid host pattern: '"
                + pattern
                + "' (an exact name, or '*.' followed by a domain; the catch-all '*' is not a"
                + " pattern)");
      }
      return exact.putIfAbsent(p, value);
    }

    public HostTable<T> build() {
      return new HostTable<>(exact.build(), wildcard.build());
    }

    /** The pattern as stored: ASCII lower case, no trailing dot, IPv6 literal unbracketed. */
    static String normalize(String pattern) {
      String p = NameMap.lowerAscii(pattern.strip());
      if (p.endsWith(".")) {
        p = p.substring(0, p.length() - 1);
      }
      if (p.length() >= 2 && p.charAt(0) == '[' && p.charAt(p.length() - 1) == ']') {
        p = p.substring(1, p.length() - 1); // IPv6 literal: requests are looked up unbracketed
      }
      return p;
    }
  }
}
