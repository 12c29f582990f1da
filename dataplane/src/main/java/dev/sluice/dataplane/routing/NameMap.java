package dev.sluice.dataplane.routing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An immutable open-addressing map from String keys to values, looked up by a range of any {@link
 * CharSequence} so that the request path never has to cut a substring or lower-case a copy.
 *
 * <p>With {@code ignoreAsciiCase} the keys must already be lower case (ASCII) and lookups fold
 * {@code A-Z} to {@code a-z} while hashing and comparing; other characters compare exactly.
 *
 * <p>The hash is exposed ({@link #hashStep}, {@link #get(CharSequence, int, int, int)}) so that a
 * caller walking a path can hash each prefix incrementally instead of rehashing it per candidate.
 *
 * <p>Thread safety: immutable after construction; any thread may read.
 */
final class NameMap<V> {
  private static final int INITIAL_HASH = 0;

  private final boolean ignoreAsciiCase;
  private final String[] keys;
  private final Object[] values;
  private final int mask;
  private final int size;

  private NameMap(boolean ignoreAsciiCase, List<String> keyList, List<V> valueList) {
    this.ignoreAsciiCase = ignoreAsciiCase;
    // Load factor <= 0.5 keeps probe sequences short; capacity is a power of two for masking.
    int capacity = Integer.highestOneBit(Math.max(2, keyList.size() * 2 - 1)) << 1;
    this.keys = new String[capacity];
    this.values = new Object[capacity];
    this.mask = capacity - 1;
    this.size = keyList.size();
    for (int i = 0; i < keyList.size(); i++) {
      String key = keyList.get(i);
      int slot = spread(hash(key, 0, key.length())) & mask;
      while (keys[slot] != null) {
        slot = (slot + 1) & mask;
      }
      keys[slot] = key;
      values[slot] = valueList.get(i);
    }
  }

  /** Folds one character into a running hash that starts at {@link #initialHash()}. */
  int hashStep(int hash, char c) {
    return 31 * hash + (ignoreAsciiCase ? lower(c) : c);
  }

  static int initialHash() {
    return INITIAL_HASH;
  }

  int hash(CharSequence s, int start, int end) {
    int h = INITIAL_HASH;
    for (int i = start; i < end; i++) {
      h = hashStep(h, s.charAt(i));
    }
    return h;
  }

  V get(CharSequence s, int start, int end) {
    return get(s, start, end, hash(s, start, end));
  }

  /**
   * @param hash {@link #hash} of the range, e.g. computed incrementally with {@link #hashStep}
   */
  @SuppressWarnings("unchecked")
  V get(CharSequence s, int start, int end, int hash) {
    int length = end - start;
    int slot = spread(hash) & mask;
    String key;
    while ((key = keys[slot]) != null) {
      if (key.length() == length && regionEquals(key, s, start)) {
        return (V) values[slot];
      }
      slot = (slot + 1) & mask;
    }
    return null;
  }

  int size() {
    return size;
  }

  private boolean regionEquals(String key, CharSequence s, int start) {
    for (int i = 0; i < key.length(); i++) {
      char c = s.charAt(start + i);
      if (key.charAt(i) != (ignoreAsciiCase ? lower(c) : c)) {
        return false;
      }
    }
    return true;
  }

  static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
  }

  /** Lower-cases ASCII letters only, the same folding lookups apply. */
  static String lowerAscii(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        if (sb == null) {
          sb = new StringBuilder(s);
        }
        sb.setCharAt(i, lower(c));
      }
    }
    return sb == null ? s : sb.toString();
  }

  private static int spread(int h) {
    // 31-multiplier hashes of similar names differ mostly in low bits of the last characters; mix
    // the high bits in so masking does not cluster them.
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    return h ^ (h >>> 13);
  }

  /**
   * Collects entries; the first value put for a key wins (later ones are reported, not stored).
   *
   * <p>Thread safety: confined to the thread building the snapshot.
   */
  static final class Builder<V> {
    private final boolean ignoreAsciiCase;
    private final List<String> keys = new ArrayList<>();
    private final List<V> values = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();

    Builder(boolean ignoreAsciiCase) {
      this.ignoreAsciiCase = ignoreAsciiCase;
    }

    /**
     * @return {@code true} if added, {@code false} if the key was already present
     */
    boolean putIfAbsent(String key, V value) {
      String k = ignoreAsciiCase ? lowerAscii(key) : key;
      if (!seen.add(k)) {
        return false;
      }
      keys.add(k);
      values.add(value);
      return true;
    }

    NameMap<V> build() {
      return new NameMap<>(ignoreAsciiCase, keys, values);
    }
  }
}
