package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A small, deterministic mutation loop over the committed Jazzer seeds, so that every build runs a
 * fixed number of <em>new</em> inputs per fuzz target, not only the seeds Jazzer's regression mode
 * replays. It is no substitute for coverage-guided fuzzing ({@code JAZZER_FUZZ=1}, see
 * docs/fuzzing.md); it catches the shallow regressions (a new length field read without a bounds
 * check) in seconds.
 *
 * <p>Seeds live where Jazzer looks for them: {@code
 * src/test/resources/<package>/<TestClass>Inputs/<method>/}, one raw input per file.
 *
 * <p>The iteration count is {@code -Dsluice.fuzz.iterations} (default {@value #DEFAULT_ITERATIONS})
 * and the random seed {@code -Dsluice.fuzz.seed} (default fixed), so a failure reproduces. A failing
 * input is reported in Base64 in the assertion message; save it as a file in the Inputs folder to
 * keep it as a regression seed.
 */
public final class BoundedFuzz {
  public static final int DEFAULT_ITERATIONS = 1000;

  private static final int ITERATIONS = Integer.getInteger("sluice.fuzz.iterations", DEFAULT_ITERATIONS);
  private static final long SEED = Long.getLong("sluice.fuzz.seed", 0x5111CEL);

  /** Values that tend to hit length and boundary checks. */
  private static final int[] INTERESTING = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x20, 0x2f, 0x3a};

  private BoundedFuzz() {}

  /** The committed seeds of {@code testClass}'s fuzz method {@code method}; fails if there are none. */
  public static List<byte[]> seeds(Class<?> testClass, String method) {
    String dir = testClass.getSimpleName() + "Inputs/" + method;
    URL url = testClass.getResource(dir);
    if (url == null) {
      throw new AssertionError("no seed folder " + dir + " next to " + testClass.getName());
    }
    try (Stream<Path> files = Files.list(Paths.get(url.toURI()))) {
      List<byte[]> seeds = new ArrayList<>();
      for (Path p : files.sorted().toList()) {
        seeds.add(Files.readAllBytes(p));
      }
      if (seeds.isEmpty()) {
        throw new AssertionError("seed folder " + dir + " is empty");
      }
      return seeds;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs {@code target} on every seed and then on {@code sluice.fuzz.iterations} mutants of them.
   * A throwable from the target fails the test with the input that caused it.
   */
  public static void run(Class<?> testClass, String method, Consumer<byte[]> target) {
    List<byte[]> seeds = seeds(testClass, method);
    Random random = new Random(SEED ^ method.hashCode());
    for (byte[] seed : seeds) {
      check(target, seed, -1);
    }
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), seeds, random);
      check(target, input, i);
    }
  }

  private static void check(Consumer<byte[]> target, byte[] input, int iteration) {
    try {
      target.accept(input);
    } catch (Throwable t) {
      throw new AssertionError(
          (iteration < 0 ? "seed" : "mutant #" + iteration)
              + " failed; input (Base64): "
              + Base64.getEncoder().encodeToString(input),
          t);
    }
  }

  /** One to four random edits of {@code seed} (never modified itself). */
  static byte[] mutate(byte[] seed, List<byte[]> all, Random r) {
    byte[] b = seed.clone();
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits; e++) {
      int pos = b.length == 0 ? 0 : r.nextInt(b.length);
      switch (r.nextInt(9)) {
        case 0 -> {
          if (b.length > 0) b[pos] ^= (byte) (1 << r.nextInt(8));
        }
        case 1 -> {
          if (b.length > 0) b[pos] = (byte) r.nextInt(256);
        }
        case 2 -> {
          if (b.length > 0) b[pos] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
        }
        case 3 -> b = insert(b, pos, randomBytes(r, 1 + r.nextInt(8)));
        case 4 -> b = delete(b, pos, 1 + r.nextInt(Math.max(1, Math.min(16, b.length - pos))));
        case 5 -> b = Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length)); // truncate
        case 6 -> { // duplicate a chunk (repeated headers, extensions, requests)
          int len = Math.min(b.length - pos, 1 + r.nextInt(32));
          b = insert(b, pos, Arrays.copyOfRange(b, pos, pos + len));
        }
        case 7 -> { // a 16-bit length field set to something large or small
          if (b.length > 1) {
            int pos2 = Math.min(pos, b.length - 2);
            int v = r.nextBoolean() ? 0xffff : r.nextInt(0x100);
            b[pos2] = (byte) (v >> 8);
            b[pos2 + 1] = (byte) v;
          }
        }
        default -> { // splice: this input's head, another seed's tail
          byte[] other = all.get(r.nextInt(all.size()));
          int from = other.length == 0 ? 0 : r.nextInt(other.length);
          byte[] head = Arrays.copyOf(b, pos);
          b = insert(head, head.length, Arrays.copyOfRange(other, from, other.length));
        }
      }
    }
    return b;
  }

  private static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static byte[] insert(byte[] b, int pos, byte[] what) {
    byte[] out = new byte[b.length + what.length];
    System.arraycopy(b, 0, out, 0, pos);
    System.arraycopy(what, 0, out, pos, what.length);
    System.arraycopy(b, pos, out, pos + what.length, b.length - pos);
    return out;
  }

  private static byte[] delete(byte[] b, int pos, int n) {
    n = Math.min(n, b.length - pos);
    byte[] out = new byte[b.length - n];
    System.arraycopy(b, 0, out, 0, pos);
    System.arraycopy(b, pos + n, out, pos, b.length - pos - n);
    return out;
  }

  /**
   * Cut points for feeding {@code input} to a channel in several writes, derived from the input
   * itself so that a failing input reproduces with the same segmentation.
   */
  public static int[] segments(byte[] input) {
    Random r = new Random(Arrays.hashCode(input));
    int pieces = input.length == 0 ? 1 : 1 + r.nextInt(Math.min(4, input.length));
    int[] cuts = new int[pieces + 1];
    for (int i = 1; i < pieces; i++) {
      cuts[i] = r.nextInt(input.length + 1);
    }
    cuts[pieces] = input.length;
    Arrays.sort(cuts);
    return cuts;
  }
}
