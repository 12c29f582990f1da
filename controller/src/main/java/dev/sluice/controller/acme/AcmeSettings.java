package dev.sluice.controller.acme;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How Sluice talks to its ACME server. Built from the command line ({@code --acme-*}) or by tests
 * through {@link #builder()}; validated once, immutable.
 *
 * @param directory the ACME directory URL (Let's Encrypt production by default)
 * @param email account contact, or {@code null}
 * @param eabKeyId External Account Binding key id, or {@code null} (then {@code eabHmacKey} too)
 * @param eabHmacKey External Account Binding HMAC key (base64url), or {@code null}
 * @param challenge which challenge to answer
 * @param renewBefore order a new certificate this long before the current one expires
 * @param stateDir standalone mode's certificate store, or {@code null} (cluster mode uses Secrets)
 * @param pollInterval how often order and challenge status is polled while validating
 * @param validationTimeout how long one challenge, finalization or publication may take
 * @param minBackoff first retry delay after a failed order; doubled per failure up to {@code
 *     maxBackoff} (a server's Retry-After wins when later)
 * @param recheckInterval how often certificates are looked at when nothing changes
 * @param trust TLS trust for the ACME server's API, or {@code null} for the JVM's (tests: Pebble)
 */
public record AcmeSettings(
    URI directory,
    String email,
    String eabKeyId,
    String eabHmacKey,
    ChallengeType challenge,
    Duration renewBefore,
    Path stateDir,
    Duration pollInterval,
    Duration validationTimeout,
    Duration minBackoff,
    Duration maxBackoff,
    Duration recheckInterval,
    SSLContext trust) {

  public static final URI LETS_ENCRYPT =
      URI.create("https://acme-v02.api.letsencrypt.org/directory");
  public static final URI LETS_ENCRYPT_STAGING =
      URI.create("https://acme-staging-v02.api.letsencrypt.org/directory");
  public static final Duration DEFAULT_RENEW_BEFORE = Duration.ofDays(30);
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);
  public static final Duration DEFAULT_VALIDATION_TIMEOUT = Duration.ofMinutes(2);
  public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMinutes(1);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofHours(6);
  public static final Duration DEFAULT_RECHECK_INTERVAL = Duration.ofHours(1);

  public AcmeSettings {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(challenge, "challenge");
    Objects.requireNonNull(renewBefore, "renewBefore");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(validationTimeout, "validationTimeout");
    Objects.requireNonNull(minBackoff, "minBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(recheckInterval, "recheckInterval");
    if ((eabKeyId == null) != (eabHmacKey == null)) {
      throw new IllegalArgumentException("External Account Binding needs both key id and HMAC key");
    }
    if (renewBefore.isNegative() || minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) {
      throw new IllegalArgumentException("renewBefore and backoffs must be positive, max >= min");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults as the command line has them. */
  public static final class Builder {
    private URI directory = LETS_ENCRYPT;
    private String email;
    private String eabKeyId;
    private String eabHmacKey;
    private ChallengeType challenge = ChallengeType.AUTO;
    private Duration renewBefore = DEFAULT_RENEW_BEFORE;
    private Path stateDir;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration validationTimeout = DEFAULT_VALIDATION_TIMEOUT;
    private Duration minBackoff = DEFAULT_MIN_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration recheckInterval = DEFAULT_RECHECK_INTERVAL;
    private SSLContext trust;

    public Builder directory(URI v) { directory = v; return this; }
    public Builder email(String v) { email = v; return this; }
    public Builder externalAccountBinding(String keyId, String hmacKey) {
      eabKeyId = keyId;
      eabHmacKey = hmacKey;
      return this;
    }
    public Builder challenge(ChallengeType v) { challenge = v; return this; }
    public Builder renewBefore(Duration v) { renewBefore = v; return this; }
    public Builder stateDir(Path v) { stateDir = v; return this; }
    public Builder pollInterval(Duration v) { pollInterval = v; return this; }
    public Builder validationTimeout(Duration v) { validationTimeout = v; return this; }
    public Builder backoff(Duration min, Duration max) {
      minBackoff = min;
      maxBackoff = max;
      return this;
    }
    public Builder recheckInterval(Duration v) { recheckInterval = v; return this; }
    public Builder trust(SSLContext v) { trust = v; return this; }

    public AcmeSettings build() {
      return new AcmeSettings(directory, email, eabKeyId, eabHmacKey, challenge, renewBefore,
          stateDir, pollInterval, validationTimeout, minBackoff, maxBackoff, recheckInterval, trust);
    }
  }
}
