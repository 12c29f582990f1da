package dev.sluice.controller.acme;

import dev.sluice.dataplane.snapshot.AcmeChallenges;
import dev.sluice.dataplane.snapshot.Certificate;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.PollableResource;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.connector.HttpConnector;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.shredzone.acme4j.util.KeyPairUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ACME account and its orders, with acme4j: logs in (creating the account, and its key in the
 * {@link CertificateStore}, the first time), orders a certificate for a list of names, answers each
 * authorization through the {@link ChallengeBoard} (that is, through the snapshot every replica
 * serves), waits until the data plane serves the challenge, triggers it, finalizes and downloads
 * the chain.
 *
 * <p>Keys are RSA 2048: acme4j signs TLS-ALPN-01 certificates with SHA256withRSA only, and RSA keeps
 * BouncyCastle out of the JVM's provider list. Status is polled every {@link
 * AcmeSettings#pollInterval()} (acme4j's own wait sleeps 3 s when the server sends no Retry-After).
 *
 * <p>Confined to the ACME thread.
 */
final class AcmeIssuer {
  private static final Logger log = LoggerFactory.getLogger(AcmeIssuer.class);

  private final AcmeSettings settings;
  private final CertificateStore store;
  private final ChallengeBoard board;
  private final Supplier<AcmeChallenges> served;
  private Login login;

  /** @param served the challenges the data plane serves right now */
  AcmeIssuer(AcmeSettings settings, CertificateStore store, ChallengeBoard board,
      Supplier<AcmeChallenges> served) {
    this.settings = settings;
    this.store = store;
    this.board = board;
    this.served = served;
  }

  String issuerId() {
    return settings.directory().toString();
  }

  /** Orders, validates and downloads a certificate for {@code hosts}. Blocking. */
  StoredCertificate issue(List<String> hosts, ChallengeType type)
      throws AcmeException, IOException, InterruptedException {
    Login l = login();
    Order order = l.newOrder().domains(hosts).create();
    for (Authorization auth : order.getAuthorizations()) {
      if (auth.getStatus() != Status.VALID) {
        authorize(auth, type);
      }
    }
    await(order, "order for " + hosts + " to become ready", Status.READY, Status.VALID);
    KeyPair domainKey = KeyPairUtils.createKeyPair(2048);
    order.execute(domainKey);
    await(order, "order for " + hosts + " to be issued", Status.VALID);
    org.shredzone.acme4j.Certificate cert = order.getCertificate();
    StringWriter chain = new StringWriter();
    cert.writeCertificate(chain);
    X509Certificate leaf = cert.getCertificate();
    return new StoredCertificate(chain.toString(), pem(domainKey), issuerId(),
        leaf.getNotAfter().toInstant(), StoredCertificate.dnsNames(leaf));
  }

  private void authorize(Authorization auth, ChallengeType type)
      throws AcmeException, InterruptedException {
    String host = auth.getIdentifier().getDomain();
    if (type == ChallengeType.TLS_ALPN_01) {
      TlsAlpn01Challenge c = auth.findChallenge(TlsAlpn01Challenge.class).orElseThrow(
          () -> new AcmeException("the server offers no tls-alpn-01 challenge for " + host));
      KeyPair kp = KeyPairUtils.createKeyPair(2048);
      X509Certificate cert = c.createCertificate(kp, auth.getIdentifier());
      board.putTlsAlpn01(host, new Certificate("acme-tls-alpn-01/" + host, List.of(host),
          pem(cert), pem(kp)));
      try {
        awaitServed(s -> s.tlsAlpn01().containsKey(host), host);
        validate(c, host);
      } finally {
        board.removeTlsAlpn01(host);
      }
    } else {
      Http01Challenge c = auth.findChallenge(Http01Challenge.class).orElseThrow(
          () -> new AcmeException("the server offers no http-01 challenge for " + host));
      board.putHttp01(c.getToken(), c.getAuthorization());
      try {
        awaitServed(s -> c.getAuthorization().equals(s.http01().get(c.getToken())), host);
        validate(c, host);
      } finally {
        board.removeHttp01(c.getToken());
      }
    }
  }

  private void validate(Challenge c, String host) throws AcmeException, InterruptedException {
    c.trigger();
    Status s = await(c, c.getType() + " validation of " + host, Status.VALID, Status.INVALID);
    if (s != Status.VALID) {
      throw new AcmeException(c.getType() + " validation of " + host + " failed: "
          + c.getError().map(p -> p.toString()).orElse("no reason given"));
    }
  }

  /** Waits until every replica's snapshot... this one's, at least, holds the challenge. */
  private void awaitServed(Predicate<AcmeChallenges> present, String host)
      throws AcmeException, InterruptedException {
    long deadline = System.nanoTime() + settings.validationTimeout().toNanos();
    while (!present.test(served.get())) {
      if (System.nanoTime() > deadline) {
        throw new AcmeException("the challenge for " + host + " was not published in time");
      }
      Thread.sleep(10);
    }
  }

  /** Polls until the resource reaches one of {@code done}; INVALID always ends it. */
  private Status await(PollableResource r, String what, Status... done)
      throws AcmeException, InterruptedException {
    long deadline = System.nanoTime() + settings.validationTimeout().toNanos();
    while (true) {
      Optional<Instant> retryAfter = r.fetch();
      Status s = r.getStatus();
      for (Status d : done) {
        if (s == d) {
          return s;
        }
      }
      if (s == Status.INVALID) {
        if (r instanceof Order o) {
          throw new AcmeException(what + ": order invalid: "
              + o.getError().map(p -> p.toString()).orElse("no reason given"));
        }
        return s;
      }
      if (System.nanoTime() > deadline) {
        throw new AcmeException("timed out waiting for " + what + " (status " + s + ")");
      }
      long sleep = settings.pollInterval().toMillis();
      if (retryAfter.isPresent()) {
        // the server's hint, but never longer than our own poll budget allows
        sleep = Math.max(sleep, Math.min(settings.validationTimeout().toMillis(),
            retryAfter.get().toEpochMilli() - System.currentTimeMillis()));
      }
      Thread.sleep(Math.max(10, Math.min(sleep, settings.pollInterval().toMillis() * 10)));
    }
  }

  private Login login() throws AcmeException, IOException {
    if (login != null) {
      return login;
    }
    Session session = session();
    KeyPair key;
    Optional<String> stored = store.readAccountKey(issuerId());
    if (stored.isPresent()) {
      key = KeyPairUtils.readKeyPair(new StringReader(stored.get()));
    } else {
      key = KeyPairUtils.createKeyPair(2048);
      store.writeAccountKey(issuerId(), pem(key));
    }
    AccountBuilder b = new AccountBuilder().agreeToTermsOfService().useKeyPair(key);
    if (settings.email() != null) {
      b.addEmail(settings.email());
    }
    if (settings.eabKeyId() != null) {
      b.withKeyIdentifier(settings.eabKeyId(), settings.eabHmacKey());
    }
    login = b.createLogin(session); // finds the existing account for a known key
    log.info("ACME account {} at {}", login.getAccountLocation(), issuerId());
    return login;
  }

  private Session session() {
    if (settings.trust() == null) {
      return new Session(settings.directory());
    }
    return new Session(settings.directory(), new GenericAcmeProvider() {
      @Override
      protected HttpConnector createHttpConnector(NetworkSettings ns) {
        return new HttpConnector(ns) {
          @Override
          public HttpClient.Builder createClientBuilder() {
            return super.createClientBuilder().sslContext(settings.trust());
          }
        };
      }
    });
  }

  static String pem(KeyPair kp) throws AcmeException {
    try {
      StringWriter w = new StringWriter();
      KeyPairUtils.writeKeyPair(kp, w);
      return w.toString();
    } catch (IOException e) {
      throw new AcmeException("cannot encode a key: " + e.getMessage());
    }
  }

  private static String pem(X509Certificate cert) throws AcmeException {
    try {
      StringWriter w = new StringWriter();
      w.write("-----BEGIN CERTIFICATE-----\n");
      w.write(java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(cert.getEncoded()));
      w.write("\n-----END CERTIFICATE-----\n");
      return w.toString();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new AcmeException("cannot encode the challenge certificate: " + e.getMessage());
    }
  }
}
