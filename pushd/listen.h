#ifndef PUSHD_LISTEN_H
#define PUSHD_LISTEN_H

#include <stdint.h>

#include <libwebsockets.h>

struct config;

/*
 * pushd's listening vhosts.  Each takes the lws options the caller wants
 * on top of its own (LWS_SERVER_OPTION_ALLOW_LISTEN_SHARE, say, for
 * several processes on one port) and logs why it failed; NULL then.
 */

/* A Unix socket at path ('@' first: abstract), mode 0660. */
struct lws_vhost *listen_unix(struct lws_context *ctx, const char *name,
	    const char *path, const struct lws_protocols *protocols,
	    const lws_retry_bo_t *retry, uint64_t options);

/* TCP on 127.0.0.1:port (pushd_port: nginx on the same box). */
struct lws_vhost *listen_loopback(struct lws_context *ctx, const char *name,
	    int port, const struct lws_protocols *protocols,
	    const lws_retry_bo_t *retry, uint64_t options);

/*
 * The direct listener for browsers: cfg->pushd_listen, with TLS when
 * cfg->pushd_tls_cert and cfg->pushd_tls_key are set.
 */
struct lws_vhost *listen_direct(struct lws_context *ctx, const char *name,
	    const struct config *cfg, const struct lws_protocols *protocols,
	    const lws_retry_bo_t *retry, uint64_t options);

/*
 * The same vhost (TLS and all) without a listener: a child of several
 * pushd processes accepts on its own SO_REUSEPORT socket (acceptor.h)
 * and hands the connections to it.
 */
struct lws_vhost *listen_direct_unbound(struct lws_context *ctx,
	    const char *name, const struct config *cfg,
	    const struct lws_protocols *protocols, const lws_retry_bo_t *retry,
	    uint64_t options);

/* 1 when cfg asks for TLS on the direct listener. */
int	listen_direct_tls(const struct config *cfg);

/* What the lws context must have for the listeners of cfg (OpenSSL
 * initialised for a TLS one). */
uint64_t listen_context_options(const struct config *cfg);

/* The largest request head (request line and headers) a client may
 * send; a longer one is refused before any check runs. */
#define LISTEN_MAX_HEADER_BYTES	4096

#endif
