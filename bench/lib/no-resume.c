/*
 * LD_PRELOAD shim for wrk: makes every new connection do a full TLS handshake.
 *
 * wrk reuses one SSL object per connection slot: on close it calls SSL_shutdown + SSL_clear and
 * then SSL_connect again. A cleanly shut down SSL keeps its session, so the reconnect resumes it
 * (TLS 1.2 session id or TLS 1.3 ticket) and the "handshake rate" would measure resumptions.
 * Forgetting the session before SSL_clear makes the next SSL_connect a full handshake (ECDHE +
 * certificate signature), which is what the new-connection rows are meant to measure.
 * No OpenSSL headers needed: the two types are only passed through as pointers. Both functions are
 * looked up at call time, so the shim also loads harmlessly into processes without libssl
 * (taskset, which execs wrk).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

typedef struct ssl_st SSL;
typedef struct ssl_session_st SSL_SESSION;

int SSL_clear(SSL *s) {
  static int (*real_clear)(SSL *) = NULL;
  static int (*set_session)(SSL *, SSL_SESSION *) = NULL;
  if (real_clear == NULL) {
    real_clear = (int (*)(SSL *))dlsym(RTLD_NEXT, "SSL_clear");
    set_session = (int (*)(SSL *, SSL_SESSION *))dlsym(RTLD_NEXT, "SSL_set_session");
  }
  set_session(s, NULL);
  return real_clear(s);
}
