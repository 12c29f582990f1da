package dev.sluice.controller.acme;

import dev.sluice.dataplane.snapshot.AcmeChallenges;
import dev.sluice.dataplane.snapshot.Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The challenges being validated right now, as the translator puts them into the snapshot. The
 * ACME thread adds a challenge before triggering it and removes it once it is decided; {@code
 * onChange} then asks for a new snapshot. In cluster mode a {@link #publisher} first writes the new
 * set where every replica reads it ({@link ChallengeSecret}); it runs on the mutating (ACME) thread
 * under the board's lock, so writes reach the API server in the order the set changed.
 *
 * <p>Thread-safe: mutators are synchronized; {@link #current()} is one volatile read of an
 * immutable value.
 */
final class ChallengeBoard {
  private final Map<String, String> http01 = new HashMap<>();
  private final Map<String, Certificate> tlsAlpn01 = new HashMap<>();
  private volatile AcmeChallenges current = AcmeChallenges.empty();
  private volatile Runnable onChange = () -> {};
  private volatile Consumer<AcmeChallenges> publisher = c -> {};

  void onChange(Runnable r) {
    onChange = r;
  }

  void publisher(Consumer<AcmeChallenges> p) {
    publisher = p;
  }

  /** Publishes the current set again (a new leader clearing what a previous one left behind). */
  synchronized void republish() {
    publisher.accept(current);
  }

  AcmeChallenges current() {
    return current;
  }

  void putHttp01(String token, String keyAuthorization) {
    synchronized (this) {
      http01.put(token, keyAuthorization);
      current = new AcmeChallenges(http01, tlsAlpn01);
      publisher.accept(current);
    }
    onChange.run();
  }

  void putTlsAlpn01(String host, Certificate certificate) {
    synchronized (this) {
      tlsAlpn01.put(host, certificate);
      current = new AcmeChallenges(http01, tlsAlpn01);
      publisher.accept(current);
    }
    onChange.run();
  }

  void removeHttp01(String token) {
    synchronized (this) {
      http01.remove(token);
      current = new AcmeChallenges(http01, tlsAlpn01);
      publisher.accept(current);
    }
    onChange.run();
  }

  void removeTlsAlpn01(String host) {
    synchronized (this) {
      tlsAlpn01.remove(host);
      current = new AcmeChallenges(http01, tlsAlpn01);
      publisher.accept(current);
    }
    onChange.run();
  }
}
