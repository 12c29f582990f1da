package dev.sluice.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorResponsesTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "400 | 400 Bad Request                      | could not be parsed",
        "404 | 404 Not Found                        | No route for this host and path",
        "408 | 408 Request Timeout                  | request did not arrive in time",
        "413 | 413 Request Entity Too Large         | body is larger than allowed",
        "431 | 431 Request Header Fields Too Large  | headers are larger than allowed",
        "502 | 502 Bad Gateway                      | Could not connect to the upstream",
        "503 | 503 Service Unavailable              | No ready endpoint",
        "504 | 504 Gateway Timeout                  | did not answer in time",
      })
  void buildsPlainTextPageWithStatusLineAndHint(int code, String firstLine, String hint) {
    FullHttpResponse response =
        ErrorResponses.of(HttpResponseStatus.valueOf(code), PooledByteBufAllocator.DEFAULT);
    try {
      String body = response.content().toString(StandardCharsets.UTF_8);
      assertThat(response.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
      assertThat(response.status().code()).isEqualTo(code);
      assertThat(body).startsWith(firstLine + "\n").contains(hint).endsWith("\n");
      assertThat(body.lines()).hasSize(2);
      assertThat(response.headers().get(HttpHeaderNames.CONTENT_TYPE))
          .isEqualTo("text/plain; charset=utf-8");
      assertThat(response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH))
          .isEqualTo(response.content().readableBytes());
      assertThat(response.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
    } finally {
      response.release();
    }
  }

  @Test
  void closeAddsConnectionClose() {
    FullHttpResponse response =
        ErrorResponses.of(HttpResponseStatus.BAD_GATEWAY, UnpooledByteBufAllocator.DEFAULT, true);
    try {
      assertThat(response.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
    } finally {
      response.release();
    }
  }

  @Test
  void eachResponseOwnsItsBuffer() {
    ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    FullHttpResponse first = ErrorResponses.of(HttpResponseStatus.NOT_FOUND, alloc);
    FullHttpResponse second = ErrorResponses.of(HttpResponseStatus.NOT_FOUND, alloc);
    try {
      assertThat(first.content()).isNotSameAs(second.content());
      first.content().skipBytes(4);
      assertThat(second.content().toString(StandardCharsets.UTF_8)).startsWith("404 Not Found");
      assertThat(first.content().refCnt()).isEqualTo(1);
    } finally {
      first.release();
      second.release();
    }
  }

  @Test
  void unlistedStatusGetsItsStatusLineAsBody() {
    FullHttpResponse response =
        ErrorResponses.of(
            new HttpResponseStatus(418, "I'm a Teapot"), UnpooledByteBufAllocator.DEFAULT);
    try {
      assertThat(response.content().toString(StandardCharsets.UTF_8))
          .isEqualTo("418 I'm a Teapot\n");
      assertThat(response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH))
          .isEqualTo(response.content().readableBytes());
    } finally {
      response.release();
    }
  }
}
