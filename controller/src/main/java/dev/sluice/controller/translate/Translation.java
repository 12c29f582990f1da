package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.Snapshot;
import java.util.List;
import java.util.Objects;

/**
 * The result of one translation: the snapshot to serve and what was wrong with the input. Every
 * resource named in {@link #problems} was left out (in whole or in part) or is served with a caveat
 * the problem's message explains; everything else is in the snapshot. {@link #acmeDemands} are the
 * certificates ACME should hold for the served Ingresses that ask for one.
 */
public record Translation(
    Snapshot snapshot, List<ResourceProblem> problems, List<AcmeDemand> acmeDemands) {
  public Translation {
    Objects.requireNonNull(snapshot, "snapshot");
    problems = List.copyOf(problems);
    acmeDemands = List.copyOf(acmeDemands);
  }

  /** A translation without ACME demands. */
  public Translation(Snapshot snapshot, List<ResourceProblem> problems) {
    this(snapshot, problems, List.of());
  }
}
