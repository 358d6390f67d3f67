/*
 * wsclient: a small WebSocket client for the stack tests, on
 * libwebsockets' client API.
 *
 *   wsclient --port P --path '/ws/user?since=0' [--host H] [--cookie C]
 *            [--origin URL] [--count N] [--timeout S] [--no-read]
 *            [--pause S] [--send text|unmasked|bad-utf8] [--tls]
 *
 * Prints every text message it receives as one line on stdout (flushed at
 * once, so a test can follow it).  Status lines go to stderr:
 *   wsclient: open                 the upgrade succeeded
 *   wsclient: refused status=N     the server answered N instead of 101
 *   wsclient: closed code=N        the server closed (N = its close code)
 *   wsclient: done count=N         the count was reached, or the timeout
 * Exit status: 0 when --count messages arrived (or, without --count, when
 * the timeout ended a connection that stayed open), 2 refused or failed to
 * connect, 3 closed by the server first, 4 timeout before --count.
 * --no-read stops reading after the upgrade (a client that hangs);
 * --pause S stops reading for S seconds after the upgrade, then reads on.
 * --origin takes an http:// origin (libwebsockets 4.1 adds the scheme).
 * --send sends one text frame after the upgrade: "text" a proper one,
 * "unmasked" one without the mask a client must set (RFC 6455 5.1),
 * "bad-utf8" a masked one whose payload is not UTF-8 (RFC 6455 8.1).
 * --tls connects with TLS (wss), taking a self-signed certificate (the
 * stack tests make their own).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

static struct {
	const char	*host;
	int		 port;
	const char	*path;
	const char	*cookie;
	const char	*origin;
	long		 count;		/* 0 = no limit */
	int		 timeout;	/* seconds */
	int		 no_read;
	int		 pause;		/* seconds */
	const char	*send;		/* text, unmasked, bad-utf8 */
	int		 tls;
} opt = { "127.0.0.1", 0, NULL, NULL, NULL, 0, 10, 0, 0, NULL, 0 };

static struct {
	long		 got;
	int		 done;
	int		 status;
	int		 open;
	int		 close_code;
	int		 sent;
	char		*msg;		/* the message being assembled */
	size_t		 msglen;
	lws_sorted_usec_list_t sul_timeout;
	lws_sorted_usec_list_t sul_pause;
	struct lws	*wsi;
	struct lws_context *ctx;
} st = { .status = 2, .close_code = -1 };

static void
finish(int status)
{
	if (st.done)
		return;
	st.done = 1;
	st.status = status;
	lws_cancel_service(st.ctx);
}

static void
timeout_cb(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	fprintf(stderr, "wsclient: done count=%ld (timeout)\n", st.got);
	finish(opt.count > 0 ? 4 : st.open ? 0 : 2);
}

static void
pause_cb(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	if (st.wsi != NULL && !st.done) {
		fprintf(stderr, "wsclient: reading again\n");
		lws_rx_flow_control(st.wsi, 1);
	}
}

static int
on_receive(struct lws *wsi, const void *in, size_t len)
{
	char *p;

	if ((p = realloc(st.msg, st.msglen + len + 1)) == NULL)
		return -1;
	st.msg = p;
	memcpy(st.msg + st.msglen, in, len);
	st.msglen += len;
	if (!lws_is_final_fragment(wsi))
		return 0;
	fwrite(st.msg, 1, st.msglen, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	st.msglen = 0;
	if (opt.count > 0 && ++st.got >= opt.count) {
		fprintf(stderr, "wsclient: done count=%ld\n", st.got);
		finish(0);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	if (opt.count == 0)
		st.got++;
	return 0;
}

/* The one frame of --send, written on the first WRITEABLE. */
static int
send_frame(struct lws *wsi)
{
	static const unsigned char bad[] = { 'o', 'k', 0xc3, 0x28 };
	unsigned char buf[LWS_PRE + 16];
	int n;

	st.sent = 1;
	if (strcmp(opt.send, "unmasked") == 0) {
		/* FIN + text, no mask bit, "hi": raw bytes past lws's framing. */
		memcpy(buf + LWS_PRE, "\x81\x02hi", 4);
		n = lws_write(wsi, buf + LWS_PRE, 4, LWS_WRITE_RAW);
		fprintf(stderr, "wsclient: sent unmasked\n");
		return n < 4 ? -1 : 0;
	}
	if (strcmp(opt.send, "bad-utf8") == 0) {
		memcpy(buf + LWS_PRE, bad, sizeof(bad));
		n = lws_write(wsi, buf + LWS_PRE, sizeof(bad), LWS_WRITE_TEXT);
		fprintf(stderr, "wsclient: sent bad-utf8\n");
		return n < (int)sizeof(bad) ? -1 : 0;
	}
	memcpy(buf + LWS_PRE, "hi", 2);
	n = lws_write(wsi, buf + LWS_PRE, 2, LWS_WRITE_TEXT);
	fprintf(stderr, "wsclient: sent text\n");
	return n < 2 ? -1 : 0;
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	unsigned char **p = in, *end;
	const unsigned char *b = in;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (opt.cookie == NULL)
			break;
		end = *p + len;
		if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_COOKIE,
		    (const unsigned char *)opt.cookie, (int)strlen(opt.cookie),
		    p, end))
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		st.open = 1;
		fprintf(stderr, "wsclient: open\n");
		st.wsi = wsi;
		if (opt.no_read || opt.pause > 0)
			lws_rx_flow_control(wsi, 0);
		if (opt.pause > 0)
			lws_sul_schedule(st.ctx, 0, &st.sul_pause, pause_cb,
			    (lws_usec_t)opt.pause * LWS_US_PER_SEC);
		if (opt.send != NULL)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (opt.send != NULL && !st.sent)
			return send_frame(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return on_receive(wsi, in, len);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			st.close_code = b[0] << 8 | b[1];
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fprintf(stderr, "wsclient: refused status=%u (%s)\n",
		    lws_http_client_http_response(wsi),
		    in ? (const char *)in : "no reason");
		finish(2);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		st.wsi = NULL;
		if (!st.done) {
			fprintf(stderr, "wsclient: closed code=%d count=%ld\n",
			    st.close_code, st.got);
			finish(3);
		}
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "wsclient", callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
usage(void)
{
	fprintf(stderr, "usage: wsclient --port P --path PATH [--host H] "
	    "[--cookie C] [--origin URL] [--count N] [--timeout S] "
	    "[--no-read] [--pause S] [--send text|unmasked|bad-utf8] "
	    "[--tls]\n");
	exit(2);
}

static void
parse_args(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "path", required_argument, NULL, 'P' },
		{ "cookie", required_argument, NULL, 'c' },
		{ "origin", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "no-read", no_argument, NULL, 'R' },
		{ "pause", required_argument, NULL, 'w' },
		{ "send", required_argument, NULL, 's' },
		{ "tls", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H': opt.host = optarg; break;
		case 'p': opt.port = atoi(optarg); break;
		case 'P': opt.path = optarg; break;
		case 'c': opt.cookie = optarg; break;
		case 'o': opt.origin = optarg; break;
		case 'n': opt.count = atol(optarg); break;
		case 't': opt.timeout = atoi(optarg); break;
		case 'R': opt.no_read = 1; break;
		case 'w': opt.pause = atoi(optarg); break;
		case 's': opt.send = optarg; break;
		case 'T': opt.tls = 1; break;
		default: usage();
		}
	}
	if (opt.port <= 0 || opt.path == NULL || opt.timeout <= 0)
		usage();
	if (opt.send != NULL && strcmp(opt.send, "text") != 0 &&
	    strcmp(opt.send, "unmasked") != 0 && strcmp(opt.send, "bad-utf8") != 0)
		usage();
}

int
main(int argc, char *argv[])
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	char hostport[128];

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	if (opt.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	if ((st.ctx = lws_create_context(&info)) == NULL) {
		fprintf(stderr, "wsclient: lws_create_context failed\n");
		return 2;
	}
	snprintf(hostport, sizeof(hostport), "%s:%d", opt.host, opt.port);
	memset(&ci, 0, sizeof(ci));
	ci.context = st.ctx;
	ci.address = opt.host;
	ci.port = opt.port;
	ci.path = opt.path;
	ci.host = hostport;
	/* lws 4.1 writes "Origin: http://" + this. */
	ci.origin = opt.origin != NULL && strncmp(opt.origin, "http://", 7) == 0 ?
	    opt.origin + 7 : opt.origin;
	ci.protocol = NULL;
	ci.local_protocol_name = "wsclient";
	if (opt.tls)
		ci.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
		    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
	if (lws_client_connect_via_info(&ci) == NULL) {
		fprintf(stderr, "wsclient: connect failed\n");
		finish(2);
	}
	lws_sul_schedule(st.ctx, 0, &st.sul_timeout, timeout_cb,
	    (lws_usec_t)opt.timeout * LWS_US_PER_SEC);
	while (!st.done)
		if (lws_service(st.ctx, 0) < 0)
			break;
	lws_context_destroy(st.ctx);
	free(st.msg);
	return st.status;
}
