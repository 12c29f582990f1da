package dev.sluice.dataplane.passthrough;

import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.Native;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a half-closed epoll channel registered with epoll while the relay still writes to it.
 *
 * <p>Netty 4.2.18 (still so in 4.2.20) removes a channel's descriptor from epoll when its interest
 * set becomes empty ({@code EpollIoHandler.DefaultEpollIoRegistration.submit}: ops {@code NONE} ->
 * {@code EPOLL_CTL_DEL}) but leaves the registration in state {@code Added}, so the next interest
 * it submits is an {@code EPOLL_CTL_MOD} that fails with ENOENT. A relay channel gets there after
 * the peer's FIN: EPOLLRDHUP is cleared once handled, EPOLLIN is clear because nothing reads any
 * more, and EPOLLOUT is clear whenever its socket had room. The next write that fills the socket
 * sets EPOLLOUT, fails, and Netty shuts the channel's output: the rest of the other direction's
 * stream is lost (a client that half-closes, then downloads faster than it reads). Copying and
 * splicing relays alike.
 *
 * <p>The pin adds EPOLLERR to the interest set from the FIN until the relay shuts the channel's
 * output. epoll reports errors whether asked or not, so this costs no wakeups: it only keeps the set
 * non-empty. It is taken off when the output is shut, because a socket shut both ways reports
 * EPOLLHUP, and a registered descriptor would then wake the loop until it is closed.
 *
 * <p>{@code setFlag}/{@code clearFlag} are not public; they are reached through a private lookup,
 * which works with Netty on the class path. Where it does not, {@link #available()} is false, the
 * relay does not splice, and the copying relay keeps Netty's behaviour.
 *
 * <p>Stateless; call on the channel's event loop.
 */
final class EpollPin {
  private static final Logger log = LoggerFactory.getLogger(EpollPin.class);
  private static final MethodHandle SET_FLAG;
  private static final MethodHandle CLEAR_FLAG;

  static {
    MethodHandle set = null;
    MethodHandle clear = null;
    try {
      // AbstractEpollChannel, where the flag methods live, is package-private.
      Class<?> owner = Class.forName("io.netty.channel.epoll.AbstractEpollChannel");
      MethodHandles.Lookup l = MethodHandles.privateLookupIn(owner, MethodHandles.lookup());
      MethodType t = MethodType.methodType(void.class, int.class);
      MethodType asStream =
          MethodType.methodType(void.class, AbstractEpollStreamChannel.class, int.class);
      set = l.findVirtual(owner, "setFlag", t).asType(asStream);
      clear = l.findVirtual(owner, "clearFlag", t).asType(asStream);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      log.info("epoll interest pin unavailable ({}); passthrough will copy, not splice", e.toString());
      set = null;
      clear = null;
    }
    SET_FLAG = set;
    CLEAR_FLAG = clear;
  }

  private EpollPin() {}

  static boolean available() {
    return SET_FLAG != null;
  }

  /** The peer sent FIN and the relay will still write to {@code ch}: keep it registered. */
  static void pin(Channel ch) throws Throwable {
    if (SET_FLAG != null && ch instanceof AbstractEpollStreamChannel e && ch.isOpen()) {
      SET_FLAG.invokeExact(e, Native.EPOLLERR);
    }
  }

  /** The relay shut {@code ch}'s output: nothing more to write, let Netty drop the registration. */
  static void unpin(Channel ch) throws Throwable {
    if (CLEAR_FLAG != null && ch instanceof AbstractEpollStreamChannel e && ch.isOpen()) {
      CLEAR_FLAG.invokeExact(e, Native.EPOLLERR);
    }
  }
}
