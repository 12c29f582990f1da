package dev.sluice.controller.acme;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Standalone mode's {@link CertificateStore}: files under a state directory, for people who run
 * Sluice on a VM or in docker-compose as they ran certbot.
 *
 * <pre>
 *   DIR/certificates/NAMESPACE/NAME.json   {"issuer", "notAfter", "names", "tls.crt", "tls.key"}
 *   DIR/accounts/SHA256(directory URL).pem the account key pair
 * </pre>
 *
 * Every file is written to a temporary file in the same directory (mode 600, directories 700),
 * forced to disk and renamed over the old one, so a reader (or a crash) sees the old file or the
 * new one, never half of either; one file per certificate keeps chain and key together.
 *
 * <p>Thread-safe: writes are atomic renames, reads read whole files.
 */
public final class DirectoryCertificateStore implements CertificateStore {
  /** Namespaces and Secret names are DNS names: this also keeps {@code ..} and {@code /} out. */
  private static final Pattern NAME = Pattern.compile("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$");

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path dir;
  private final boolean posix;

  public DirectoryCertificateStore(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
    this.posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  public Path directory() {
    return dir;
  }

  @Override
  public Optional<StoredCertificate> read(String namespace, String name) throws IOException {
    Path file = certificateFile(namespace, name);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(bytes);
      List<String> names = new ArrayList<>();
      n.path("names").forEach(v -> names.add(v.asText()));
      return Optional.of(new StoredCertificate(n.path("tls.crt").asText(), n.path("tls.key").asText(),
          n.path("issuer").asText(), Instant.parse(n.path("notAfter").asText()), names));
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + " is not a certificate Sluice wrote: " + e.getMessage(), e);
    }
  }

  @Override
  public void write(String namespace, String name, StoredCertificate c) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("issuer", c.issuer());
    n.put("notAfter", c.notAfter().toString());
    n.putArray("names").addAll(c.names().stream().map(JSON.getNodeFactory()::textNode).toList());
    n.put("tls.crt", c.chainPem());
    n.put("tls.key", c.keyPem());
    writeAtomically(certificateFile(namespace, name),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
  }

  @Override
  public Optional<String> readAccountKey(String issuer) throws IOException {
    try {
      return Optional.of(Files.readString(accountFile(issuer), StandardCharsets.US_ASCII));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public void writeAccountKey(String issuer, String keyPairPem) throws IOException {
    writeAtomically(accountFile(issuer), keyPairPem.getBytes(StandardCharsets.US_ASCII));
  }

  private Path certificateFile(String namespace, String name) throws IOException {
    for (String part : new String[] {namespace, name}) {
      if (!NAME.matcher(part).matches()) {
        throw new IOException("\"" + part + "\" is not a valid Kubernetes name");
      }
    }
    return dir.resolve("certificates").resolve(namespace).resolve(name + ".json");
  }

  private Path accountFile(String issuer) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(issuer.getBytes(StandardCharsets.UTF_8));
      return dir.resolve("accounts").resolve(HexFormat.of().formatHex(d, 0, 16) + ".pem");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private void writeAtomically(Path file, byte[] content) throws IOException {
    Path parent = file.getParent();
    createPrivateDirectories(parent);
    Path tmp = posix
        ? Files.createTempFile(parent, ".tmp-", ".part",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
        : Files.createTempFile(parent, ".tmp-", ".part");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void createPrivateDirectories(Path d) throws IOException {
    if (Files.isDirectory(d)) {
      return;
    }
    if (d.getParent() != null) {
      createPrivateDirectories(d.getParent());
    }
    if (posix) {
      Files.createDirectories(d,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(d);
    }
  }
}
