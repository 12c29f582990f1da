package dev.sluice.dataplane.passthrough;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * One direction of a spliced passthrough connection: bytes go from the source socket through a
 * kernel pipe into the target socket by Netty's epoll {@code spliceTo}, never entering user space.
 * Reads, backpressure and the end of the stream are handled here, because Netty's splice gets the
 * end wrong.
 *
 * <p><b>Why our own FIN handling.</b> In Netty 4.2 ({@code AbstractEpollStreamChannel
 * .EpollStreamUnsafe.epollInReady}) a queued splice task runs one {@code spliceIn} and then, when the
 * peer's FIN was seen ({@code allocHandle.isReceivedRdHup()}), calls {@code shutdownInput(true)}
 * straight away: {@code shutdown(SHUT_RD)}, EPOLLIN cleared, {@code ChannelInputShutdownEvent}
 * fired. But {@code spliceIn} stops as soon as one {@code splice(2)} returns 0, which means "pipe
 * full" (EAGAIN) as often as "end of stream", so with a slow target the rest of the stream is still
 * queued in the source socket when Netty declares the input shut. Forwarding the event as a FIN, as
 * a copying relay does, lost that tail (and closing a socket with unread data sends RST). Reading
 * on with {@code read()} is no way out either: once the FIN's EPOLLRDHUP and EPOLLIN are both
 * cleared, Netty 4.2.18 (and 4.2.20) removes the descriptor from epoll ({@code
 * EpollIoHandler.DefaultEpollIoRegistration.submit}: interest set empty -> {@code EPOLL_CTL_DEL},
 * state left {@code Added}), and the next {@code read()} fails with {@code epoll_ctl(MOD)}
 * ENOENT, which closes the channel.
 *
 * <p>So at the event this pump stops reading through Netty and copies what is left in the source
 * socket (Linux keeps queued data readable after {@code SHUT_RD}) straight from its descriptor into
 * buffers written to the target, behind the spliced chunks still in the target's outbound buffer,
 * while the target is writable. No readiness is needed: after a FIN every byte before it is
 * already queued, so a read returns data or the end of the stream. At the end the session
 * half-closes the target once all its writes went out. The tail is at most what the socket's
 * receive buffer held.
 *
 * <p><b>The cycle before the FIN.</b> Autoread is off. (1) An empty write on the target completes
 * only when every earlier write went out, spliced chunks included ({@code SpliceOutTask}s sit in the
 * target's outbound buffer in order), so then the pipe is empty. (2) From a fresh event loop task (a
 * {@code read()} made inside the source's read loop would be cleared by that loop's end) one {@code
 * read()}: Netty runs one {@code spliceIn}, queues what it moved to the target and fires {@code
 * channelReadComplete}; back to (1). The pipe holds at most one read's worth, which is the
 * backpressure: the source is read only once the target took everything before. Bytes are counted
 * through {@link SpliceCounter}, which sees every {@code splice(2)} from the socket, including the
 * one Netty makes by itself on a FIN.
 *
 * <p>Thread safety: event loop of both channels only (they share one).
 */
final class SplicePump {
  private static final int TAIL_CHUNK = 64 * 1024;

  private final RelaySession session;
  private final AbstractEpollStreamChannel src;
  private final AbstractEpollStreamChannel dst;
  private final boolean upstream;
  private final Runnable readTask = this::readIfDrained;
  private final ChannelFutureListener drained = this::drained;
  private final Runnable tailTask = this::drainTail;
  private final ChannelFutureListener tailDrained = this::tailDrained;

  private long spliced;
  private long splicedAtMarker;
  private boolean readRequested;
  private boolean inputShut;
  private boolean finished;

  /**
   * @param upstream {@code true} for client to backend
   */
  SplicePump(
      RelaySession session,
      AbstractEpollStreamChannel src,
      AbstractEpollStreamChannel dst,
      boolean upstream) {
    this.session = session;
    this.src = src;
    this.dst = dst;
    this.upstream = upstream;
  }

  /** Starts splicing; the target's earlier writes (PROXY header, ClientHello) go out first. */
  void start(SpliceCounter counter) {
    counter.sink(this::spliced);
    src.spliceTo(dst, Integer.MAX_VALUE)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    session.failed(f.cause());
                  }
                });
    awaitDrain();
  }

  /** The source's {@code channelReadComplete}: a splice attempt ended. */
  void readComplete() {
    if (!readRequested) {
      return; // a read Netty made by itself (on a FIN); its bytes are counted, the cycle goes on
    }
    readRequested = false;
    if (!inputShut) {
      awaitDrain();
    }
  }

  /**
   * The source's {@code ChannelInputShutdownEvent}: the peer sent FIN, but bytes before it may still
   * be queued in the socket. They are read from the socket's descriptor directly (see the class
   * comment for why not by {@code read()}), after Netty's read loop that fired the event returned.
   */
  void inputShutdown() {
    if (inputShut) {
      return;
    }
    inputShut = true;
    readRequested = false; // the cycle in flight stops at its next step
    src.eventLoop().execute(tailTask);
  }

  private void spliced(int n) {
    spliced += n;
    session.spliced(upstream, n, true);
  }

  /**
   * Copies what is left in the source socket after its FIN to the target, as buffers written after
   * the spliced chunks (the target's outbound buffer keeps them in order), while the target is
   * writable; then waits for it to drain and goes on. Every byte before the FIN is already queued
   * in the socket, so no readiness is needed: a read returns data, or end of stream.
   */
  private void drainTail() {
    if (session.isClosed() || finished) {
      return;
    }
    FileDescriptor fd = src.fd();
    try {
      while (dst.isWritable()) {
        ByteBuf b = dst.alloc().directBuffer(TAIL_CHUNK);
        int n;
        try {
          n = read(fd, b);
        } catch (IOException | RuntimeException e) {
          b.release();
          throw e;
        }
        if (n <= 0) {
          b.release();
          dst.flush();
          if (n < 0) {
            finished = true;
            session.spliceEnded(upstream);
          } else {
            // EAGAIN after a FIN: not expected from Linux; look again shortly rather than spin.
            src.eventLoop().schedule(tailTask, 10, TimeUnit.MILLISECONDS);
          }
          return;
        }
        b.writerIndex(n);
        spliced += n;
        // Written through the pipeline: DownstreamTraffic counts what goes to the client there.
        session.spliced(upstream, n, false);
        dst.write(b, dst.voidPromise());
      }
      dst.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(tailDrained);
    } catch (IOException | RuntimeException e) {
      session.failed(e);
    }
  }

  private void tailDrained(ChannelFuture f) {
    if (!f.isSuccess()) {
      session.failed(f.cause());
    } else if (!session.isClosed()) {
      src.eventLoop().execute(tailTask);
    }
  }

  /** Reads into {@code b} from its start: bytes read, -1 at end of stream, 0 for EAGAIN. */
  private static int read(FileDescriptor fd, ByteBuf b) throws IOException {
    if (b.hasMemoryAddress()) {
      return fd.readAddress(b.memoryAddress(), 0, b.capacity());
    }
    ByteBuffer nio = b.internalNioBuffer(0, b.capacity());
    return fd.read(nio, nio.position(), nio.limit());
  }

  private void awaitDrain() {
    splicedAtMarker = spliced;
    dst.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(drained);
  }

  private void drained(ChannelFuture f) {
    if (!f.isSuccess()) {
      session.failed(f.cause());
      return;
    }
    if (!session.isClosed()) {
      src.eventLoop().execute(readTask);
    }
  }

  private void readIfDrained() {
    if (session.isClosed() || finished || inputShut) {
      return;
    }
    if (spliced != splicedAtMarker) {
      // Netty spliced on its own (a FIN) after the empty write: the pipe may not be empty yet.
      awaitDrain();
      return;
    }
    readRequested = true;
    src.read();
  }
}
