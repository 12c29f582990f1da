package dev.sluice.controller;

import dev.sluice.controller.acme.AcmeSettings;
import dev.sluice.controller.acme.ChallengeType;
import dev.sluice.controller.translate.Durations;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code --acme-*} flags, parsed apart from {@link Flags} (which accepts and skips them) so
 * the ACME settings stay in one place. ACME itself is always available: it acts only for Ingresses
 * annotated {@code sluice.dev/acme: "true"}.
 */
public final class AcmeFlags {
  /** The flags that take a value; {@value #STAGING} takes none. */
  static final Set<String> NAMES = Set.of("--acme-directory", "--acme-email", "--acme-eab-kid",
      "--acme-eab-hmac", "--acme-challenge", "--acme-renew-before", "--acme-state-dir");

  static final String STAGING = "--acme-staging";

  static final String USAGE =
      """

      Certificates from Let's Encrypt (for Ingresses annotated sluice.dev/acme: "true"):
        --acme-directory URL    ACME directory (default Let's Encrypt production)
        --acme-staging          use Let's Encrypt's staging directory instead
        --acme-email ADDR       account contact e-mail
        --acme-eab-kid ID       External Account Binding key id (with --acme-eab-hmac)
        --acme-eab-hmac KEY     External Account Binding HMAC key, base64url
        --acme-challenge C      auto | http-01 | tls-alpn-01 (default auto: tls-alpn-01 when the
                                HTTPS port is served, else http-01)
        --acme-renew-before D   renew this long before expiry (default 30d)
        --acme-state-dir DIR    where certificates and the account key are kept in standalone
                                mode (required there for ACME; cluster mode uses Secrets)
      """;

  private AcmeFlags() {}

  /** The ACME settings of a command line that {@link Flags#parse} accepted. */
  public static AcmeSettings parse(String... args) throws Flags.UsageException {
    AcmeSettings.Builder b = AcmeSettings.builder();
    URI directory = null;
    boolean staging = false;
    String kid = null;
    String hmac = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals(STAGING)) {
        staging = true;
        continue;
      }
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (NAMES.contains(arg) && i + 1 < args.length) {
        value = args[++i];
      } else {
        continue;
      }
      if (!NAMES.contains(name)) {
        continue;
      }
      if (value.isBlank()) {
        throw new Flags.UsageException(name + " needs a value");
      }
      switch (name) {
        case "--acme-directory" -> directory = url(value);
        case "--acme-email" -> b.email(value.strip());
        case "--acme-eab-kid" -> kid = value.strip();
        case "--acme-eab-hmac" -> hmac = value.strip();
        case "--acme-challenge" -> b.challenge(challenge(value));
        case "--acme-renew-before" -> b.renewBefore(renewBefore(value));
        case "--acme-state-dir" -> b.stateDir(Path.of(value));
        default -> throw new IllegalStateException(name);
      }
    }
    if (staging && directory != null) {
      throw new Flags.UsageException("--acme-staging and --acme-directory exclude each other");
    }
    if ((kid == null) != (hmac == null)) {
      throw new Flags.UsageException("--acme-eab-kid and --acme-eab-hmac go together");
    }
    b.directory(staging ? AcmeSettings.LETS_ENCRYPT_STAGING
        : directory != null ? directory : AcmeSettings.LETS_ENCRYPT);
    b.externalAccountBinding(kid, hmac);
    return b.build();
  }

  private static URI url(String value) throws Flags.UsageException {
    try {
      URI u = new URI(value.strip());
      if ("https".equals(u.getScheme()) || "http".equals(u.getScheme())) {
        return u;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw new Flags.UsageException("--acme-directory must be an https URL, not \"" + value + "\"");
  }

  private static ChallengeType challenge(String value) throws Flags.UsageException {
    try {
      return ChallengeType.parse(value);
    } catch (IllegalArgumentException e) {
      throw new Flags.UsageException(
          "--acme-challenge must be auto, http-01 or tls-alpn-01, not \"" + value + "\"");
    }
  }

  private static Duration renewBefore(String value) throws Flags.UsageException {
    String v = value.strip();
    try {
      if (v.endsWith("d") && v.length() > 1) {
        return Duration.ofDays(Long.parseLong(v.substring(0, v.length() - 1)));
      }
      Duration d = Durations.parse(v);
      if (!d.isNegative() && !d.isZero()) {
        return d;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new Flags.UsageException(
        "--acme-renew-before must be a duration such as 30d or 720h, not \"" + value + "\"");
  }
}
