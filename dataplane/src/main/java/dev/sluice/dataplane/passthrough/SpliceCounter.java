package dev.sluice.dataplane.passthrough;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * A channel's receive-buffer allocator that also reports how many bytes each read moved: the only
 * place where bytes spliced by Netty's epoll {@code spliceTo} become visible, since they never pass
 * the pipeline. Netty's splice loop calls {@code lastBytesRead(n)} on the channel's handle for every
 * {@code splice(2)} from the socket into the pipe, so the sink sees exactly the spliced bytes.
 *
 * <p>Netty creates a channel's handle once, at its first read, so this must be the channel's
 * allocator before it reads anything ({@link PassthroughRelay#prepare}). One instance per channel.
 *
 * <p>The sink is set and called on the channel's event loop only.
 */
final class SpliceCounter implements RecvByteBufAllocator {
  private final RecvByteBufAllocator delegate;
  private IntConsumer sink;

  SpliceCounter(RecvByteBufAllocator delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** From now on, every read of {@code n > 0} bytes is reported to {@code sink}. */
  void sink(IntConsumer sink) {
    this.sink = sink;
  }

  @Override
  public Handle newHandle() {
    // Netty's epoll unsafe casts the handle to ExtendedHandle; every built-in allocator makes one.
    return new Counting((ExtendedHandle) delegate.newHandle());
  }

  private final class Counting implements ExtendedHandle {
    private final ExtendedHandle d;

    Counting(ExtendedHandle d) {
      this.d = d;
    }

    @Override
    public void lastBytesRead(int bytes) {
      d.lastBytesRead(bytes);
      IntConsumer s = sink;
      if (bytes > 0 && s != null) {
        s.accept(bytes);
      }
    }

    @Override
    public ByteBuf allocate(ByteBufAllocator alloc) {
      return d.allocate(alloc);
    }

    @Override
    public int guess() {
      return d.guess();
    }

    @Override
    public void reset(ChannelConfig config) {
      d.reset(config);
    }

    @Override
    public void incMessagesRead(int numMessages) {
      d.incMessagesRead(numMessages);
    }

    @Override
    public int lastBytesRead() {
      return d.lastBytesRead();
    }

    @Override
    public void attemptedBytesRead(int bytes) {
      d.attemptedBytesRead(bytes);
    }

    @Override
    public int attemptedBytesRead() {
      return d.attemptedBytesRead();
    }

    @Override
    public boolean continueReading() {
      return d.continueReading();
    }

    @Override
    public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
      return d.continueReading(maybeMoreDataSupplier);
    }

    @Override
    public void readComplete() {
      d.readComplete();
    }
  }
}
