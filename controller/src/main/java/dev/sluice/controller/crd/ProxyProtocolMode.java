package dev.sluice.controller.crd;

/** PROXY protocol header written to a passthrough backend; spelled as users write it in YAML. */
public enum ProxyProtocolMode {
  None,
  V1,
  V2
}
