package dev.sluice.dataplane.tls;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * A certificate that can be stapled: its leaf names an OCSP responder (Authority Information
 * Access, {@code id-ad-ocsp}, an {@code http} or {@code https} URI) and its chain holds the leaf's
 * issuer, which the request's CertID and the response's signature check need. Immutable.
 *
 * @param fingerprint SHA-256 of the leaf (as {@link DefaultCertificate#fingerprint}): the cache key
 */
public record OcspTarget(
    String fingerprint, X509Certificate leaf, X509Certificate issuer, URI responder) {

  /**
   * The target for {@code chain} (leaf first), or {@code null} when the leaf has no usable OCSP URL
   * or the chain lacks its issuer: such certificates are simply not stapled.
   */
  public static OcspTarget of(List<X509Certificate> chain) {
    if (chain.size() < 2) {
      return null;
    }
    X509Certificate leaf = chain.get(0);
    X509Certificate issuer = chain.get(1);
    if (!issuer.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
      return null;
    }
    URI responder = responder(leaf);
    return responder == null
        ? null
        : new OcspTarget(DefaultCertificate.fingerprint(leaf), leaf, issuer, responder);
  }

  /** The first {@code http(s)} OCSP URI in the leaf's AIA extension, or {@code null}. */
  static URI responder(X509Certificate leaf) {
    byte[] ext = leaf.getExtensionValue(Extension.authorityInfoAccess.getId());
    if (ext == null) {
      return null;
    }
    AuthorityInformationAccess aia;
    try {
      aia = AuthorityInformationAccess.getInstance(JcaX509ExtensionUtils.parseExtensionValue(ext));
    } catch (IOException | RuntimeException e) {
      return null; // a garbled extension means no responder, not a failed snapshot
    }
    for (AccessDescription ad : aia.getAccessDescriptions()) {
      GeneralName location = ad.getAccessLocation();
      if (!AccessDescription.id_ad_ocsp.equals(ad.getAccessMethod())
          || location.getTagNo() != GeneralName.uniformResourceIdentifier) {
        continue;
      }
      String text = ASN1IA5String.getInstance(location.getName()).getString();
      try {
        URI uri = new URI(text);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
          return uri;
        }
      } catch (URISyntaxException e) {
        // try the next one
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "OcspTarget[" + leaf.getSubjectX500Principal().getName() + " " + fingerprint
        + " -> " + responder + "]";
  }
}
