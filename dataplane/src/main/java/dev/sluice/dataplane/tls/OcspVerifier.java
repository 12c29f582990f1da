package dev.sluice.dataplane.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Builds OCSP requests and judges responses (RFC 6960) for one {@link OcspTarget}: the response
 * must be {@code successful}, signed by the issuer or by a responder certificate the issuer signed
 * for {@code id-kp-OCSPSigning} (a delegated responder), carry a SingleResponse for exactly this
 * leaf (issuer name and key hash, serial), have {@code thisUpdate} not in the future (beyond {@link
 * #CLOCK_SKEW}) and a {@code nextUpdate} still ahead. A response without {@code nextUpdate} is
 * refused: it gives no window to cache it for or refresh it in. No nonce is sent: responders that
 * pre-sign responses (most CAs) ignore nonces, and stapled responses are shared by many clients.
 *
 * <p>Stateless; called on the stapler's thread only (signature checks are too slow for an event
 * loop).
 */
final class OcspVerifier {

  /** Tolerated difference between our clock and the responder's. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private OcspVerifier() {}

  /** The DER OCSPRequest for {@code target} (one request, SHA-1 CertID as RFC 5019 requires). */
  static byte[] request(OcspTarget target) throws OCSPException, IOException {
    return new OCSPReqBuilder().addRequest(certificateId(target)).build().getEncoded();
  }

  /** Judges the DER OCSPResponse {@code der} for {@code target} at {@code now}. */
  static OcspVerdict verify(byte[] der, OcspTarget target, Instant now) {
    try {
      OCSPResp resp = new OCSPResp(der);
      if (resp.getStatus() != OCSPResp.SUCCESSFUL) {
        return OcspVerdict.not(OcspVerdict.Result.INVALID, "responder status " + resp.getStatus());
      }
      if (!(resp.getResponseObject() instanceof BasicOCSPResp basic)) {
        return OcspVerdict.not(OcspVerdict.Result.INVALID, "not a basic OCSP response");
      }
      if (!signedForIssuer(basic, target.issuer(), now)) {
        return OcspVerdict.not(
            OcspVerdict.Result.INVALID, "not signed by the issuer or a delegated responder");
      }
      SingleResp single = find(basic, target);
      if (single == null) {
        return OcspVerdict.not(OcspVerdict.Result.INVALID, "no response for this certificate");
      }
      CertificateStatus status = single.getCertStatus();
      if (status instanceof RevokedStatus revoked) {
        return OcspVerdict.not(
            OcspVerdict.Result.REVOKED, "revoked at " + revoked.getRevocationTime().toInstant());
      }
      if (status != CertificateStatus.GOOD) {
        return OcspVerdict.not(OcspVerdict.Result.UNKNOWN, "certificate status unknown");
      }
      Instant thisUpdate = single.getThisUpdate().toInstant();
      Date next = single.getNextUpdate();
      if (thisUpdate.isAfter(now.plus(CLOCK_SKEW))) {
        return OcspVerdict.not(OcspVerdict.Result.INVALID, "thisUpdate " + thisUpdate + " is in the future");
      }
      if (next == null) {
        return OcspVerdict.not(OcspVerdict.Result.INVALID, "no nextUpdate");
      }
      Instant nextUpdate = next.toInstant();
      if (!nextUpdate.isAfter(now) || !nextUpdate.isAfter(thisUpdate)) {
        return OcspVerdict.not(OcspVerdict.Result.INVALID, "stale: nextUpdate " + nextUpdate);
      }
      return OcspVerdict.good(thisUpdate, nextUpdate);
    } catch (IOException | OCSPException | RuntimeException e) {
      return OcspVerdict.not(OcspVerdict.Result.INVALID, "unreadable response: " + e.getMessage());
    }
  }

  private static SingleResp find(BasicOCSPResp basic, OcspTarget target) throws OCSPException {
    BigInteger serial = target.leaf().getSerialNumber();
    X509CertificateHolder issuer = holder(target.issuer());
    DigestCalculatorProvider digests = digests();
    for (SingleResp r : basic.getResponses()) {
      CertificateID id = r.getCertID();
      if (id.getSerialNumber().equals(serial) && id.matchesIssuer(issuer, digests)) {
        return r;
      }
    }
    return null;
  }

  /** Signed by the issuer itself, or by a certificate in the response the issuer delegated to. */
  private static boolean signedForIssuer(BasicOCSPResp basic, X509Certificate issuer, Instant now)
      throws OCSPException {
    try {
      if (basic.isSignatureValid(verifier(issuer))) {
        return true;
      }
    } catch (OCSPException e) {
      // a key of another type: try the delegated responders
    }
    X509CertificateHolder issuerHolder = holder(issuer);
    for (X509CertificateHolder responder : basic.getCerts()) {
      if (isDelegatedResponder(responder, issuerHolder, issuer, now)
          && basic.isSignatureValid(verifier(responder))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isDelegatedResponder(
      X509CertificateHolder responder,
      X509CertificateHolder issuerHolder,
      X509Certificate issuer,
      Instant now) {
    try {
      ExtendedKeyUsage eku = ExtendedKeyUsage.fromExtensions(responder.getExtensions());
      return responder.getIssuer().equals(issuerHolder.getSubject())
          && eku != null
          && eku.hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning)
          && responder.isValidOn(Date.from(now))
          && responder.isSignatureValid(verifier(issuer));
    } catch (Exception e) {
      return false; // BouncyCastle throws for unsupported algorithms: not a responder we can trust
    }
  }

  private static CertificateID certificateId(OcspTarget target) throws OCSPException {
    try {
      return new CertificateID(
          digests().get(CertificateID.HASH_SHA1),
          holder(target.issuer()),
          target.leaf().getSerialNumber());
    } catch (OperatorCreationException e) {
      throw new OCSPException("no SHA-1 digest", e);
    }
  }

  private static ContentVerifierProvider verifier(X509Certificate cert) throws OCSPException {
    try {
      return new JcaContentVerifierProviderBuilder().build(cert.getPublicKey());
    } catch (OperatorCreationException e) {
      throw new OCSPException("cannot verify with " + cert.getPublicKey().getAlgorithm(), e);
    }
  }

  private static ContentVerifierProvider verifier(X509CertificateHolder cert) throws OCSPException {
    try {
      return new JcaContentVerifierProviderBuilder().build(cert);
    } catch (OperatorCreationException | java.security.cert.CertificateException e) {
      throw new OCSPException("cannot verify with the responder certificate", e);
    }
  }

  private static X509CertificateHolder holder(X509Certificate cert) throws OCSPException {
    try {
      return new JcaX509CertificateHolder(cert);
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new OCSPException("cannot encode certificate", e);
    }
  }

  private static DigestCalculatorProvider digests() throws OCSPException {
    try {
      return new JcaDigestCalculatorProviderBuilder().build();
    } catch (OperatorCreationException e) {
      throw new OCSPException("no digests", e);
    }
  }
}
