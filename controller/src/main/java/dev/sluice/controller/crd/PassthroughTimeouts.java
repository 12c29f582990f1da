package dev.sluice.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** Timeouts of a passthrough route, as Go-style duration strings ({@code 5s}, {@code 1h30m}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PassthroughTimeouts {

  /** Same grammar as {@code dev.sluice.controller.translate.Durations}. */
  public static final String DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription("Time allowed to open a connection to a backend endpoint. Default 5s.")
  private String connect;

  @Pattern(DURATION_PATTERN)
  @JsonPropertyDescription("A connection with no bytes either way for this long is closed. Default 1h.")
  private String idle;

  public PassthroughTimeouts() {}

  public PassthroughTimeouts(String connect, String idle) {
    this.connect = connect;
    this.idle = idle;
  }

  public String getConnect() {
    return connect;
  }

  public void setConnect(String connect) {
    this.connect = connect;
  }

  public String getIdle() {
    return idle;
  }

  public void setIdle(String idle) {
    this.idle = idle;
  }
}
