package dev.sluice.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;

/** {@code length} bytes of {@link TestBackend#patternByte}, produced chunk by chunk on demand. */
final class PatternInput implements ChunkedInput<ByteBuf> {
  private static final int CHUNK = 16 * 1024;
  private final long length;
  private long offset;

  PatternInput(long length) {
    this.length = length;
  }

  @Override
  public boolean isEndOfInput() {
    return offset >= length;
  }

  @Override
  public void close() {}

  @Deprecated
  @Override
  public ByteBuf readChunk(ChannelHandlerContext ctx) {
    return readChunk(ctx.alloc());
  }

  @Override
  public ByteBuf readChunk(ByteBufAllocator allocator) {
    if (isEndOfInput()) {
      return null;
    }
    int len = (int) Math.min(CHUNK, length - offset);
    byte[] bytes = new byte[len];
    for (int i = 0; i < len; i++) {
      bytes[i] = TestBackend.patternByte(offset + i);
    }
    offset += len;
    // one bulk write: under the PARANOID leak detector every ByteBuf call records a stack trace
    return allocator.buffer(len).writeBytes(bytes);
  }

  @Override
  public long length() {
    return length;
  }

  @Override
  public long progress() {
    return offset;
  }
}
