package dev.sluice.controller.standalone;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Which files and directories under a manifest folder count: *.yaml, *.yml, *.json, not hidden. */
final class ManifestFolder {
  private ManifestFolder() {}

  static boolean isManifest(Path file) {
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"));
  }

  /**
   * Hidden directories are skipped: editors' and VCS folders, and Kubernetes' own {@code ..data}
   * symlink farms in mounted ConfigMaps (the visible names link into them, so each file is read once).
   */
  static boolean isSkippedDirectory(Path dir, Path root) {
    return !dir.equals(root) && dir.getFileName().toString().startsWith(".");
  }

  /** Manifest files, sorted by path so every load reads them in the same order. */
  static List<Path> manifests(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return isSkippedDirectory(dir, root) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (isManifest(file) && Files.isRegularFile(file)) {
              files.add(file);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE; // deleted while we walked; the next load sees the truth
          }
        });
    files.sort(null);
    return files;
  }

  /** Directories to watch (the root and every non-hidden directory below it). */
  static List<Path> directories(Path root) throws IOException {
    List<Path> dirs = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            if (isSkippedDirectory(dir, root)) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            dirs.add(dir);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE;
          }
        });
    return dirs;
  }
}
