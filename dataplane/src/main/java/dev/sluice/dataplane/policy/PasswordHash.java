package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.snapshot.Htpasswd;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import org.apache.commons.codec.digest.Md5Crypt;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * One htpasswd hash, prepared once per snapshot, that checks passwords. bcrypt is slow by design
 * (tens of milliseconds at cost 10) and must not run on an event loop: {@link #slow()} says so, and
 * {@link BasicAuthFilter} runs those checks on {@link PolicyRuntime#passwordChecks()}. Immutable;
 * {@link #matches} may be called from any thread.
 */
final class PasswordHash {
  private final Htpasswd.Scheme scheme;
  private final String hash;
  private final byte[] sha1; // the decoded digest for {SHA}

  PasswordHash(String hash) {
    this.scheme = Htpasswd.scheme(hash);
    if (scheme == null) {
      throw new IllegalArgumentException("unsupported password hash"); // checked by the snapshot
    }
    this.hash = hash;
    this.sha1 = scheme == Htpasswd.Scheme.SHA ? Base64.getDecoder().decode(hash.substring(5)) : null;
  }

  /** Whether checking takes long enough to belong off the event loop (bcrypt). */
  boolean slow() {
    return scheme == Htpasswd.Scheme.BCRYPT;
  }

  /** Whether {@code password} (the bytes the client sent) matches; constant-time comparison. */
  boolean matches(byte[] password) {
    return switch (scheme) {
      case BCRYPT -> OpenBSDBCrypt.checkPassword(hash, password);
      case APR1 ->
          MessageDigest.isEqual(
              Md5Crypt.apr1Crypt(password, hash).getBytes(StandardCharsets.US_ASCII),
              hash.getBytes(StandardCharsets.US_ASCII));
      case SHA -> MessageDigest.isEqual(sha1(password), sha1);
    };
  }

  private static byte[] sha1(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-1", e);
    }
  }
}
