package dev.sluice.dataplane.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.snapshot.AccessPolicy;
import dev.sluice.dataplane.snapshot.AccessPolicy.BasicAuth;
import dev.sluice.dataplane.snapshot.Htpasswd;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** auth-type: basic through the real proxy, with bcrypt, apr1 and {SHA} htpasswd entries. */
class BasicAuthProxyTest {
  // jBCrypt's published test vector for "abc"
  static final String BCRYPT_ABC = "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i";
  // openssl passwd -apr1 -salt Wf3Qx1aB apr-pass
  static final String APR1 = "$apr1$Wf3Qx1aB$9v824lVvylTPI/R1scMFZ/";
  // base64(sha1("sha-pass"))
  static final String SHA = "{SHA}xO2etOilyqtV8o1RvvnmkeBx7QI=";
  static final String HTPASSWD =
      "# users\nalice:" + BCRYPT_ABC + "\nbob:" + APR1 + "\n\ncarol:" + SHA + "\n";

  static TestBackend backend;

  @BeforeAll
  static void start() {
    backend = TestBackend.start("basic");
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  static String basic(String user, String password) {
    return "Authorization: Basic "
        + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  static RawHttp.Response get(RawHttp c, String... headers) throws Exception {
    StringBuilder req = new StringBuilder("GET /echo HTTP/1.1\r\nHost: app.test\r\n");
    for (String h : headers) {
      req.append(h).append("\r\n");
    }
    return c.send(req.append("\r\n").toString()).read();
  }

  @Test
  void eachHashSchemeAdmitsItsUserAndRefusesOthersWith401AndTheRealm() throws Exception {
    SnapshotHolder holder = new SnapshotHolder();
    try (TestProxy proxy = TestProxy.start(b -> b, holder)) {
      RoutePolicy p =
          RoutePolicy.builder()
              .access(
                  AccessPolicy.NONE.withBasicAuth(
                      new BasicAuth("Staff only", Htpasswd.parse(HTPASSWD))))
              .build();
      proxy.publish(TestSnapshots.builder().prefix("app.test", "/", p, backend.endpoint()).build());
      try (RawHttp c = RawHttp.connect(proxy.port())) {
        RawHttp.Response none = get(c);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("www-authenticate")).isEqualTo("Basic realm=\"Staff only\"");

        assertThat(get(c, basic("alice", "abc")).status()).isEqualTo(200);
        assertThat(get(c, basic("alice", "abd")).status()).isEqualTo(401);
        assertThat(get(c, basic("bob", "apr-pass")).status()).isEqualTo(200);
        assertThat(get(c, basic("bob", "apr-pasS")).status()).isEqualTo(401);
        assertThat(get(c, basic("carol", "sha-pass")).status()).isEqualTo(200);
        assertThat(get(c, basic("carol", "abc")).status()).isEqualTo(401);
        assertThat(get(c, basic("mallory", "abc")).status()).isEqualTo(401);
        assertThat(get(c, "Authorization: Basic !!notbase64").status()).isEqualTo(401);
        assertThat(get(c, "Authorization: Bearer abc").status()).isEqualTo(401);
        // the connection stayed usable through every 401
        assertThat(get(c, basic("bob", "apr-pass")).bodyText()).contains("\"authorization\"");
      }
    }
  }

  @Test
  void bcryptRunsOffTheEventLoopAndASuccessIsRememberedForKeepAliveClients() throws Exception {
    SnapshotHolder holder = new SnapshotHolder();
    try (TestProxy proxy = TestProxy.start(b -> b, holder)) {
      RoutePolicy p =
          RoutePolicy.builder()
              .access(
                  AccessPolicy.NONE.withBasicAuth(
                      new BasicAuth("r", Map.of("alice", BCRYPT_ABC, "bob", APR1))))
              .build();
      proxy.publish(TestSnapshots.builder().prefix("app.test", "/", p, backend.endpoint()).build());
      PolicyRuntime runtime = runtimeOf(holder);
      long before = runtime.passwordChecksCompleted();
      try (RawHttp c = RawHttp.connect(proxy.port())) {
        assertThat(get(c, basic("bob", "apr-pass")).status()).isEqualTo(200);
        assertThat(runtime.passwordChecksCompleted()).isEqualTo(before); // apr1: inline
        for (int i = 0; i < 5; i++) {
          assertThat(get(c, basic("alice", "abc")).status()).isEqualTo(200);
        }
      }
      // one bcrypt check, on the password executor; the next four hit the cache
      assertThat(runtime.passwordChecksCompleted()).isEqualTo(before + 1);
      // a wrong password is never served from the cache
      try (RawHttp c = RawHttp.connect(proxy.port())) {
        assertThat(get(c, basic("alice", "abcd")).status()).isEqualTo(401);
      }
      assertThat(runtime.passwordChecksCompleted()).isEqualTo(before + 2);
      // an unknown user costs a bcrypt check too (a decoy), so a 401's timing does not reveal
      // which user names exist; even alice's password does not let "mallory" in
      try (RawHttp c = RawHttp.connect(proxy.port())) {
        assertThat(get(c, basic("mallory", "abc")).status()).isEqualTo(401);
      }
      assertThat(runtime.passwordChecksCompleted()).isEqualTo(before + 3);
    }
  }

  @Test
  void htpasswdFilesWithUnsupportedOrBrokenEntriesAreRefusedWithoutQuotingHashes() {
    assertThatThrownBy(() -> Htpasswd.parse("alice:plaintext\n"))
        .hasMessageContaining("line 1")
        .hasMessageContaining("alice")
        .hasMessageNotContaining("plaintext");
    assertThatThrownBy(() -> Htpasswd.parse("alice:" + APR1 + "\nalice:" + SHA))
        .hasMessageContaining("line 2")
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> Htpasswd.parse("# nothing\n\n")).hasMessageContaining("no user");
    assertThatThrownBy(() -> Htpasswd.parse("justaname\n")).hasMessageContaining("user:hash");
    assertThatThrownBy(() -> new BasicAuth("a\"b", Map.of("alice", APR1)))
        .hasMessageContaining("realm");
    assertThat(Htpasswd.parse("alice:" + BCRYPT_ABC.replace("$2a$", "$2y$"))).containsKey("alice");
  }

  /** The runtime the holder compiles routes with (the one a server keeps across snapshots). */
  static PolicyRuntime runtimeOf(SnapshotHolder holder) throws Exception {
    var f = SnapshotHolder.class.getDeclaredField("policies");
    f.setAccessible(true);
    return (PolicyRuntime) f.get(holder);
  }
}
