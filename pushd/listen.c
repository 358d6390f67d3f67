/*
 * pushd's listeners.  nginx reaches pushd over a Unix socket (or
 * 127.0.0.1:pushd_port); a big party may also let browsers in directly
 * on pushd_listen, plain or TLS, which saves the proxy hop (about 3/4 of
 * the CPU of a delivery, docs/OPERATIONS.md "Direct WebSockets").  Every
 * listener serves the same protocol and the same upgrade checks.
 */
#include "listen.h"

#include <sys/stat.h>

#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

struct lws_vhost *
listen_unix(struct lws_context *ctx, const char *name, const char *path,
    const struct lws_protocols *protocols, const lws_retry_bo_t *retry,
    uint64_t options)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;

	memset(&info, 0, sizeof(info));
	info.vhost_name = name;
	info.protocols = protocols;
	info.port = 0;
	info.iface = path;
	info.options = LWS_SERVER_OPTION_UNIX_SOCK |
	    LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND | options;
	info.retry_and_idle_policy = retry;
	if (path[0] != '@')
		(void)unlink(path);	/* stale after a crash */
	if ((vh = lws_create_vhost(ctx, &info)) == NULL) {
		log_warnx("%s: cannot listen on %s", __func__, path);
		return NULL;
	}
	if (path[0] != '@' && chmod(path, 0660) == -1)
		log_warn("%s: chmod %s", __func__, path);
	return vh;
}

struct lws_vhost *
listen_loopback(struct lws_context *ctx, const char *name, int port,
    const struct lws_protocols *protocols, const lws_retry_bo_t *retry,
    uint64_t options)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;

	memset(&info, 0, sizeof(info));
	info.vhost_name = name;
	info.protocols = protocols;
	info.port = port;
	info.iface = "127.0.0.1";
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
	    LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND | options;
	info.retry_and_idle_policy = retry;
	if ((vh = lws_create_vhost(ctx, &info)) == NULL)
		log_warnx("%s: cannot listen on 127.0.0.1:%d", __func__, port);
	return vh;
}

int
listen_direct_tls(const struct config *cfg)
{
	return cfg->pushd_tls_cert[0] != '\0' && cfg->pushd_tls_key[0] != '\0';
}

uint64_t
listen_context_options(const struct config *cfg)
{
	return cfg->pushd_listen[0] != '\0' && listen_direct_tls(cfg) ?
	    LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
}

/*
 * An IPv4 address binds an IPv4 socket; an IPv6 one a socket for IPv6
 * alone (v4-mapped peers would count apart from their IPv4 selves).
 * TLS offers only HTTP/1.1 in ALPN: a WebSocket over HTTP/2 (RFC 8441)
 * is what lws would otherwise pick for a client that offers h2, and
 * browsers open theirs over HTTP/1.1 anyway.
 */
static struct lws_vhost *
direct_vhost(struct lws_context *ctx, const char *name,
    const struct config *cfg, const struct lws_protocols *protocols,
    const lws_retry_bo_t *retry, uint64_t options, int bind_it)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;
	char host[64];
	int port, tls = listen_direct_tls(cfg);

	if (config_parse_listen(cfg->pushd_listen, host, sizeof(host),
	    &port) == -1) {
		log_warnx("%s: pushd_listen \"%s\" is not ADDRESS:PORT",
		    __func__, cfg->pushd_listen);
		return NULL;
	}
	memset(&info, 0, sizeof(info));
	info.vhost_name = name;
	info.protocols = protocols;
	info.port = bind_it ? port : CONTEXT_PORT_NO_LISTEN_SERVER;
	info.iface = bind_it ? host : NULL;
	info.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND | options;
	if (strchr(host, ':') != NULL)
		info.options |= LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY |
		    LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE;
	else
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.retry_and_idle_policy = retry;
	if (tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->pushd_tls_cert;
		info.ssl_private_key_filepath = cfg->pushd_tls_key;
		info.alpn = "http/1.1";
	}
	if ((vh = lws_create_vhost(ctx, &info)) == NULL) {
		log_warnx("%s: cannot %s %s%s", __func__,
		    bind_it ? "listen on" : "serve", cfg->pushd_listen,
		    tls ? " with TLS (the certificate or key unreadable, or "
		    "not a pair?)" : "");
		return NULL;
	}
	log_info("listening for browsers on %s (%s), at most %d WebSockets "
	    "per address", cfg->pushd_listen, tls ? "wss" : "ws",
	    cfg->pushd_ws_per_addr);
	return vh;
}

struct lws_vhost *
listen_direct(struct lws_context *ctx, const char *name,
    const struct config *cfg, const struct lws_protocols *protocols,
    const lws_retry_bo_t *retry, uint64_t options)
{
	return direct_vhost(ctx, name, cfg, protocols, retry, options, 1);
}

struct lws_vhost *
listen_direct_unbound(struct lws_context *ctx, const char *name,
    const struct config *cfg, const struct lws_protocols *protocols,
    const lws_retry_bo_t *retry, uint64_t options)
{
	return direct_vhost(ctx, name, cfg, protocols, retry, options, 0);
}
