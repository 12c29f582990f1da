package dev.sluice.dataplane.passthrough;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;

/** A backend's own certificate, generated with the JDK's keytool at test time. */
final class SelfSignedTls {
  private static final char[] PASSWORD = "changeit".toCharArray();

  final SslContext serverContext;
  final String fingerprint;

  private SelfSignedTls(SslContext ctx, String fingerprint) {
    this.serverContext = ctx;
    this.fingerprint = fingerprint;
  }

  static SelfSignedTls generate(String cn) throws Exception {
    Path dir = Files.createTempDirectory("sluice-tls");
    Path ks = dir.resolve("backend.p12");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "backend", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + cn, "-ext", "SAN=dns:" + cn, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + out);
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      store.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, PASSWORD);
    SslContext ctx =
        SslContextBuilder.forServer(kmf)
            .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
            .build();
    Files.delete(ks);
    Files.delete(dir);
    return new SelfSignedTls(ctx, fingerprint(store.getCertificate("backend")));
  }

  static String fingerprint(Certificate cert) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
  }
}
