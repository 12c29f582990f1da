package dev.sluice.dataplane.snapshot;

import java.util.List;
import java.util.Objects;

/**
 * Request and response headers to remove, set (replacing any of that name) and add (keeping
 * others), applied in that order: {@code request-headers-*} on the request as it goes upstream,
 * {@code response-headers-*} on every response going downstream (the upstream's, and those of the
 * route's filters: redirects, CORS preflights; not Sluice's error pages). Names and values are
 * checked here once, so nothing configured can split or inject a header; connection-level headers
 * ({@link HeaderValues#RESERVED}) are refused.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no header rules.
 */
public record HeaderPolicy(
    List<String> requestRemove,
    List<Header> requestSet,
    List<Header> requestAdd,
    List<String> responseRemove,
    List<Header> responseSet,
    List<Header> responseAdd) {
  public static final HeaderPolicy NONE =
      new HeaderPolicy(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

  public HeaderPolicy {
    requestRemove = names(requestRemove);
    requestSet = List.copyOf(requestSet);
    requestAdd = List.copyOf(requestAdd);
    responseRemove = names(responseRemove);
    responseSet = List.copyOf(responseSet);
    responseAdd = List.copyOf(responseAdd);
  }

  private static List<String> names(List<String> names) {
    for (String n : names) {
      checkName(n);
    }
    return List.copyOf(names);
  }

  private static void checkName(String name) {
    if (!HeaderValues.isValidName(name)) {
      throw new IllegalArgumentException("\"" + name + "\" is not a header name");
    }
    if (HeaderValues.isReserved(name)) {
      throw new IllegalArgumentException(
          name + " is a connection-level header that Sluice manages; it cannot be changed");
    }
  }

  /** Whether the route has no header rules. */
  public boolean isNone() {
    return this.equals(NONE);
  }

  public boolean hasRequestRules() {
    return !requestRemove.isEmpty() || !requestSet.isEmpty() || !requestAdd.isEmpty();
  }

  public boolean hasResponseRules() {
    return !responseRemove.isEmpty() || !responseSet.isEmpty() || !responseAdd.isEmpty();
  }

  /**
   * One header line: a valid name (not connection-level) and a value without control characters.
   */
  public record Header(String name, String value) {
    public Header {
      Objects.requireNonNull(value, "value");
      checkName(name);
      if (!HeaderValues.isValidValue(value)) {
        throw new IllegalArgumentException(
            "the value of " + name + " holds a control or non-ASCII character");
      }
    }
  }
}
