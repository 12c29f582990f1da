package dev.sluice.dataplane.server;

/** The socket transport the event loops use. AUTO picks epoll where it loads, NIO otherwise. */
public enum Transport {
  AUTO,
  EPOLL,
  IO_URING,
  NIO
}
