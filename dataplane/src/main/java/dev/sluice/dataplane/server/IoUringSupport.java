package dev.sluice.dataplane.server;

import io.netty.channel.ChannelFactory;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * io_uring, looked up reflectively: its native module ({@code netty-transport-native-io_uring}) is
 * optional on the class path, and a missing one must give a clear error rather than a
 * NoClassDefFoundError at class load of the server.
 */
final class IoUringSupport {
  private static final String PKG = "io.netty.channel.uring.";

  private IoUringSupport() {}

  static TransportSupport load() {
    try {
      Class<?> ioUring = Class.forName(PKG + "IoUring");
      if (!(boolean) ioUring.getMethod("isAvailable").invoke(null)) {
        Object cause = ioUring.getMethod("unavailabilityCause").invoke(null);
        throw new IllegalStateException("transport IO_URING requested but unavailable: " + cause);
      }
      IoHandlerFactory factory =
          (IoHandlerFactory) Class.forName(PKG + "IoUringIoHandler").getMethod("newFactory").invoke(null);
      MethodHandle server = constructor(PKG + "IoUringServerSocketChannel");
      MethodHandle client = constructor(PKG + "IoUringSocketChannel");
      ChannelFactory<ServerChannel> servers = () -> (ServerChannel) create(server);
      ChannelFactory<SocketChannel> clients = () -> (SocketChannel) create(client);
      return new TransportSupport("io_uring", factory, servers, clients);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "transport IO_URING requested but netty-transport-native-io_uring is not on the class path");
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("transport IO_URING could not be loaded", e);
    }
  }

  private static MethodHandle constructor(String className) throws ReflectiveOperationException {
    return MethodHandles.publicLookup()
        .findConstructor(Class.forName(className), MethodType.methodType(void.class));
  }

  private static Object create(MethodHandle constructor) {
    try {
      return constructor.invoke();
    } catch (Throwable t) {
      throw new IllegalStateException("cannot create io_uring channel", t);
    }
  }
}
