package dev.sluice.controller.translate;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks that a TLS Secret holds what the data plane can serve: an X.509 chain (leaf first) and the
 * leaf's private key as PKCS#8, PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY})
 * PEM. Uses only java.security; the key never leaves this class and never enters a message.
 */
final class PemKeyPair {
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
  private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
  private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
  private static final byte[] CHALLENGE = "sluice key check".getBytes(StandardCharsets.US_ASCII);

  private PemKeyPair() {}

  /** @return {@code null} when valid, else a one-line reason fit for a user */
  static String problem(String chainPem, String keyPem) {
    List<X509Certificate> chain;
    try {
      chain = parseChain(chainPem);
    } catch (CertificateException | RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
      return "tls.crt is not a PEM X.509 certificate chain: " + (why.length() > 120 ? why.substring(0, 120) : why);
    }
    if (chain.isEmpty()) {
      return "tls.crt holds no PEM certificate";
    }
    PrivateKey key;
    try {
      key = parseKey(keyPem);
    } catch (IllegalArgumentException e) {
      return "tls.key: " + e.getMessage();
    }
    if (!matches(key, chain.get(0).getPublicKey())) {
      return "tls.key does not belong to the first certificate in tls.crt";
    }
    return null;
  }

  static List<X509Certificate> parseChain(String pem) throws CertificateException {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    Matcher m = PEM.matcher(pem);
    while (m.find()) {
      if (m.group(1).equals("CERTIFICATE")) {
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
      }
    }
    return out;
  }

  static PrivateKey parseKey(String pem) {
    Matcher m = PEM.matcher(pem == null ? "" : pem);
    while (m.find()) {
      String type = m.group(1);
      if (!type.endsWith("PRIVATE KEY")) {
        continue;
      }
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(m.group(2));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the " + type + " block is not valid base64");
      }
      return switch (type) {
        case "PRIVATE KEY" -> pkcs8(der);
        case "RSA PRIVATE KEY" -> pkcs8(pkcs8Wrap(seq(RSA_OID, new byte[] {0x05, 0x00}), der));
        case "EC PRIVATE KEY" -> pkcs8(pkcs8Wrap(seq(EC_OID, sec1CurveOid(der)), der));
        case "ENCRYPTED PRIVATE KEY" ->
            throw new IllegalArgumentException("encrypted private keys are not supported");
        default -> throw new IllegalArgumentException("unsupported key type " + type);
      };
    }
    throw new IllegalArgumentException("holds no PEM private key");
  }

  private static PrivateKey pkcs8(byte[] der) {
    for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException | RuntimeException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException("the private key is not an RSA, EC or EdDSA key in DER");
  }

  private static boolean matches(PrivateKey key, PublicKey pub) {
    if (key instanceof RSAKey rk && pub instanceof RSAKey rp) {
      return rk.getModulus().equals(rp.getModulus()); // cheap and exact for RSA
    }
    String alg =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
          default -> null;
        };
    if (alg == null || !alg.equals(algorithmFor(pub, alg))) {
      return false;
    }
    try {
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(CHALLENGE);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(pub);
      v.update(CHALLENGE);
      return v.verify(sig);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static String algorithmFor(PublicKey pub, String wanted) {
    return switch (pub.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448", "EdDSA" -> wanted.startsWith("Ed") ? wanted : pub.getAlgorithm();
      default -> pub.getAlgorithm();
    };
  }

  // --- minimal DER, enough to wrap PKCS#1 and SEC1 keys into PKCS#8 ---

  private static byte[] pkcs8Wrap(byte[] algorithmIdentifier, byte[] key) {
    return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithmIdentifier, tlv(0x04, key)));
  }

  private static byte[] seq(byte[]... parts) {
    return tlv(0x30, concat(parts));
  }

  /** SEC1: SEQUENCE { INTEGER 1, OCTET STRING key, [0] OID curve, [1] public key }. */
  private static byte[] sec1CurveOid(byte[] der) {
    int[] pos = {0};
    expect(der, pos, 0x30);
    readLength(der, pos);
    while (pos[0] < der.length) {
      int tag = der[pos[0]++] & 0xff;
      int len = readLength(der, pos);
      if (tag == 0xa0) {
        return Arrays.copyOfRange(der, pos[0], pos[0] + len);
      }
      pos[0] += len;
    }
    throw new IllegalArgumentException("EC PRIVATE KEY names no curve");
  }

  private static void expect(byte[] der, int[] pos, int tag) {
    if (der.length == 0 || (der[pos[0]++] & 0xff) != tag) {
      throw new IllegalArgumentException("the EC PRIVATE KEY block is not DER");
    }
  }

  private static int readLength(byte[] der, int[] pos) {
    if (pos[0] >= der.length) {
      throw new IllegalArgumentException("the EC PRIVATE KEY block is truncated");
    }
    int first = der[pos[0]++] & 0xff;
    if (first < 0x80) {
      return first;
    }
    int n = first & 0x7f;
    if (n > 3 || pos[0] + n > der.length) {
      throw new IllegalArgumentException("the EC PRIVATE KEY block has a bad length");
    }
    int len = 0;
    for (int i = 0; i < n; i++) {
      len = (len << 8) | (der[pos[0]++] & 0xff);
    }
    if (pos[0] + len > der.length) {
      throw new IllegalArgumentException("the EC PRIVATE KEY block is truncated");
    }
    return len;
  }

  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
    out.write(tag);
    int len = value.length;
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write(len >> 8);
      out.write(len);
    }
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
