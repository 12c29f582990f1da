package dev.sluice.dataplane.snapshot;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * htpasswd files as Apache's {@code htpasswd} writes them and ingress-nginx reads them from a
 * Secret: one {@code user:hash} per line, blank lines and {@code #} comments skipped. Only salted
 * or standard schemes are accepted: bcrypt ({@code $2y$}, {@code $2a$}, {@code $2b$}), Apache MD5
 * ({@code $apr1$}) and {@code {SHA}} (unsalted SHA-1, accepted because old files use it). Plain
 * text and DES {@code crypt()} are refused with a message saying so. Stateless.
 */
public final class Htpasswd {

  /** The hash schemes a password can be checked against. */
  public enum Scheme {
    BCRYPT,
    APR1,
    SHA
  }

  private Htpasswd() {}

  /**
   * Parses an htpasswd file into user -> hash.
   *
   * @throws IllegalArgumentException naming the line that is not {@code user:hash} with a known
   *     scheme, or a user given twice; never quoting the hash
   */
  public static Map<String, String> parse(String file) {
    Map<String, String> users = new LinkedHashMap<>();
    String[] lines = file.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("line " + (i + 1) + " is not user:hash");
      }
      String user = line.substring(0, colon);
      String hash = line.substring(colon + 1);
      try {
        checkEntry(user, hash);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage());
      }
      if (users.put(user, hash) != null) {
        throw new IllegalArgumentException("line " + (i + 1) + ": user '" + user + "' given twice");
      }
    }
    if (users.isEmpty()) {
      throw new IllegalArgumentException("holds no user");
    }
    return users;
  }

  /** Checks one entry; the message names the user, never the hash. */
  public static void checkEntry(String user, String hash) {
    if (user.isEmpty() || user.indexOf(':') >= 0 || !user.chars().allMatch(c -> c > 0x20 && c != 0x7f)) {
      throw new IllegalArgumentException("user name '" + user + "' is empty or has ':', spaces or controls");
    }
    if (scheme(hash) == null) {
      throw new IllegalArgumentException(
          "user '" + user + "': password hash is not bcrypt ($2y$), apr1 ($apr1$) or {SHA}"
              + " (plain text and crypt() are refused)");
    }
  }

  /** The scheme of a well-formed {@code hash}, or {@code null}. */
  public static Scheme scheme(String hash) {
    if (hash.length() == 60
        && (hash.startsWith("$2y$") || hash.startsWith("$2a$") || hash.startsWith("$2b$"))
        && hash.charAt(6) == '$'
        && Character.isDigit(hash.charAt(4))
        && Character.isDigit(hash.charAt(5))) {
      int cost = Integer.parseInt(hash.substring(4, 6));
      return cost >= 4 && cost <= 31 ? Scheme.BCRYPT : null;
    }
    if (hash.startsWith("$apr1$")) {
      int dollar = hash.indexOf('$', 6);
      return dollar > 6 && dollar <= 14 && hash.length() - dollar - 1 == 22 ? Scheme.APR1 : null;
    }
    if (hash.startsWith("{SHA}")) {
      try {
        return Base64.getDecoder().decode(hash.substring(5)).length == 20 ? Scheme.SHA : null;
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }
}
