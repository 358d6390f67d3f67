/*
 * wsload: the load client of memeter's benchmarks (tests/bench/run.sh) and
 * of the bench smoke test.
 *
 * One process, one epoll loop, thousands of non-blocking sockets.  It speaks
 * just enough RFC 6455 (client handshake, unmasked server frames, masked
 * pong and close) and HTTP/1.1 (keep-alive, pipelined requests, responses
 * with Content-Length or chunked) to drive memeter's pushd behind nginx and
 * nginx's Nchan module with the same code, and it timestamps every message
 * with the kernel's receive time of its bytes.  An idle connection costs
 * about 100 bytes here (no per-socket buffers until a frame arrives split),
 * so the client takes as little as possible of the two cores it shares
 * with the servers.
 *
 *   wsload push     idle hold (with the servers' memory), fan-out latency and
 *                   a sustained-rate ladder against one push server.  It
 *                   publishes itself: to Nchan with an HTTP POST, to memeter
 *                   with an events row plus the notify datagram, exactly what
 *                   a worker does after a change.
 *   wsload ratings  POST /api/ratings from distinct raters -> new_rating at
 *                   /ws/admin clients, a ladder of offered rates; optionally
 *                   SIGHUP to the pool every second (the reload test).
 *
 * Every measurement is one output line "tag key=value ..." for run.sh.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "config.h"
#include "store/store.h"
#include "event.h"
#include "jsonw.h"
#include "log.h"
#include "notify.h"

#define WS_KEY		"bWVtZXRlci1iZW5jaC1rZXk="	/* 16 bytes, base64 */
#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define READ_CHUNK	(256 * 1024)
#define HTTP_PIPE	256	/* requests in flight on one HTTP connection */
#define MAX_EVENTS	1024
#define NS		1000000000LL
#define MS		1000000LL

/* CONN_CTL: the socketpair between the parent and a helper process (-j). */
enum conn_kind { CONN_WS, CONN_HTTP, CONN_CTL };
/* ST_UPGRADED: 101 seen, waiting for the server's hello. */
enum conn_state { ST_CONNECTING, ST_HANDSHAKE, ST_UPGRADED, ST_OPEN, ST_CLOSED };
enum ready_on { READY_OPEN, READY_HELLO };

struct conn;

/* Where WebSocket clients go and what they send in the handshake. */
struct ws_target {
	char		 path[512];
	char		 headers[2048];	/* extra lines, each ending in \r\n */
	int		 ready_on;	/* READY_OPEN (101) or READY_HELLO */
	int		 want;		/* connections asked for */
	int		 started;	/* connect() calls made */
	int		 inflight;	/* started, not yet ready or failed */
	int		 ready;
	int		 failed;	/* never became ready */
	int		 dropped;	/* closed after being ready */
	struct conn	**conns;	/* every connection started, in order */
};

/* One request in flight on an HTTP connection. */
struct http_pending {
	uint64_t	 tag;
	int64_t		 t0;		/* when it was due (ns, monotonic) */
};

typedef void	 http_done_cb(struct conn *, int status, uint64_t tag,
		    int64_t t0, const char *hdrs, size_t hlen,
		    const char *body, size_t blen);

struct http_state {
	struct http_pending pend[HTTP_PIPE];
	unsigned	 head, npend;
	http_done_cb	*done;
	char		*body;		/* decoded chunked body */
	size_t		 bodycap;
};

struct conn {
	int		 fd;
	uint8_t		 kind;
	uint8_t		 state;
	uint8_t		 fragmented;	/* inside a fragmented message */
	struct ws_target *target;	/* CONN_WS */
	struct http_state *http;	/* CONN_HTTP */
	char		*in;		/* unconsumed input */
	size_t		 inlen, incap;
	char		*out;		/* unsent output */
	size_t		 outlen, outoff, outcap;
	char		*frag;		/* fragments of a message so far */
	size_t		 fraglen, fragcap;
	uint32_t	 nmsg;		/* data messages received */
};

/* Latencies of one measurement, microseconds. */
struct lat {
	uint32_t	*v;
	size_t		 n, cap;
};

/* Hooks of the running mode. */
struct mode {
	/* A data message arrived on a ready WebSocket. */
	void		(*on_message)(struct conn *, const char *, size_t,
			    int64_t now);
	/* Called every loop turn; returns the next time it wants a turn. */
	int64_t		(*tick)(int64_t now);
};

static struct {
	int		 ep;
	struct sockaddr_in addr;	/* the server (nginx) */
	char		 hostport[96];
	char		 origin[128];
	int		 origin_set;	/* -O: the site's origin, not ours */
	int		 nsrc;		/* source addresses 127.0.0.1.. */
	int		 srcnext;
	int		 window;	/* handshakes in flight at most */
	char		 accept[64];	/* expected Sec-WebSocket-Accept */
	char		*rbuf;
	struct mode	 mode;
	int		 verbose;
	int64_t		 real_minus_mono; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	/* counters of the current measurement */
	uint64_t	 msgs;		/* data messages */
	uint64_t	 msgbytes;
	uint64_t	 unmatched;	/* data messages we did not publish */
	uint64_t	 stale;		/* late ones of an earlier burst, not counted */
	uint64_t	 resyncs;
	uint64_t	 conn_errors;
	struct lat	 lat;
} g;

static volatile sig_atomic_t stop_requested;

static void	 conn_close(struct conn *, int);
static void	 ws_target_pump(struct ws_target *);
static ssize_t	 ctl_input(struct conn *, const char *, size_t);

/* --- small helpers --------------------------------------------------- */

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* The kernel stamps packets with CLOCK_REALTIME; everything else here is
 * monotonic.  Read both clocks back to back once (the run is minutes). */
static void
clock_offset_init(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	g.real_minus_mono = ((int64_t)r.tv_sec - m.tv_sec) * NS +
	    (r.tv_nsec - m.tv_nsec);
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL)
		fatal("realloc %zu", n);
	return q;
}

/* Appends len bytes to a growable buffer. */
static void
buf_add(char **buf, size_t *len, size_t *cap, const void *data, size_t n)
{
	if (*len + n > *cap) {
		size_t ncap = *cap ? *cap : 256;

		while (ncap < *len + n)
			ncap *= 2;
		*buf = xrealloc(*buf, ncap);
		*cap = ncap;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
}

static void
lat_add(struct lat *l, int64_t ns)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 65536;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = ns < 0 ? 0 : (uint32_t)(ns / 1000 > UINT32_MAX ?
	    UINT32_MAX : ns / 1000);
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts l and returns the q-quantile in milliseconds (0 if empty). */
static double
lat_q(struct lat *l, double q, int sorted)
{
	size_t i;

	if (l->n == 0)
		return 0;
	if (!sorted)
		qsort(l->v, l->n, sizeof(*l->v), u32_cmp);
	i = (size_t)(q * (double)(l->n - 1) + 0.5);
	return l->v[i] / 1000.0;
}

/* "p50_ms=.. p99_ms=.. max_ms=.." of l into out. */
static void
lat_summary(struct lat *l, const char *prefix, char *out, size_t len)
{
	double p50 = lat_q(l, 0.50, 0);

	snprintf(out, len, "%sp50_ms=%.2f %sp99_ms=%.2f %smax_ms=%.2f",
	    prefix, p50, prefix, lat_q(l, 0.99, 1), prefix, lat_q(l, 1.0, 1));
}

/* Finds "key" in a JSON text and parses the integer after it; -1 if none. */
static int64_t
json_int_after(const char *p, size_t len, const char *key)
{
	const char *k = memmem(p, len, key, strlen(key)), *end = p + len;
	int64_t v = 0;

	if (k == NULL)
		return -1;
	k += strlen(key);
	while (k < end && *k == ' ')
		k++;
	if (k == end || *k < '0' || *k > '9')
		return -1;
	while (k < end && *k >= '0' && *k <= '9')
		v = v * 10 + (*k++ - '0');
	return v;
}

/* Copies the string value of "type" into out; 0 or -1. */
static int
msg_type(const char *p, size_t len, char *out, size_t outlen)
{
	static const char key[] = "\"type\":\"";
	const char *k = memmem(p, len, key, sizeof(key) - 1), *q;

	if (k == NULL)
		return -1;
	k += sizeof(key) - 1;
	q = memchr(k, '"', (size_t)(p + len - k));
	if (q == NULL || (size_t)(q - k) >= outlen)
		return -1;
	memcpy(out, k, (size_t)(q - k));
	out[q - k] = '\0';
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* --- sockets ------------------------------------------------------------ */

static int
url_parse(const char *url, const char *scheme, char *path, size_t pathlen)
{
	char host[64];
	const char *p, *slash;
	int port;

	/* The scanf width below keeps host short enough for hostport. */

	if (strncmp(url, scheme, strlen(scheme)) != 0) {
		log_warnx("%s: %s: expected %s...", __func__, url, scheme);
		return -1;
	}
	p = url + strlen(scheme);
	slash = strchr(p, '/');
	if (slash == NULL)
		slash = p + strlen(p);
	if ((size_t)(slash - p) >= sizeof(host) ||
	    sscanf(p, "%63[0-9.]:%d", host, &port) != 2 || port < 1 ||
	    port > 65535) {
		log_warnx("%s: %s: want IPv4:port", __func__, url);
		return -1;
	}
	memset(&g.addr, 0, sizeof(g.addr));
	g.addr.sin_family = AF_INET;
	g.addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &g.addr.sin_addr) != 1) {
		log_warnx("%s: %s: bad address", __func__, host);
		return -1;
	}
	snprintf(g.hostport, sizeof(g.hostport), "%s:%d", host, port);
	if (!g.origin_set)
		snprintf(g.origin, sizeof(g.origin), "http://%s", g.hostport);
	snprintf(path, pathlen, "%s", *slash ? slash : "/");
	return 0;
}

/*
 * A non-blocking connect to the server, from 127.0.0.N when several source
 * addresses are asked for (each has its own ~28k ephemeral ports).
 */
static int
sock_connect(void)
{
	struct sockaddr_in src;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("%s: socket", __func__);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (g.nsrc > 1) {
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(0x7f000001u +
		    (uint32_t)(g.srcnext++ % g.nsrc));
		(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1) {
			log_warn("%s: bind", __func__);
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&g.addr, sizeof(g.addr)) == -1 &&
	    errno != EINPROGRESS) {
		log_warn("%s: connect", __func__);
		close(fd);
		return -1;
	}
	return fd;
}

static void
conn_watch(struct conn *c, int op, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (epoll_ctl(g.ep, op, c->fd, &ev) == -1)
		fatal("epoll_ctl");
}

/* Returns a connection in ST_CONNECTING owned by the caller's list. */
static struct conn *
conn_new(int kind)
{
	struct conn *c;
	int fd = sock_connect();

	if (fd == -1)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		fatal("calloc");
	c->fd = fd;
	c->kind = (uint8_t)kind;
	c->state = ST_CONNECTING;
	conn_watch(c, EPOLL_CTL_ADD, EPOLLOUT);
	return c;
}

/* Sends what can be sent now; the rest waits for EPOLLOUT.  0 or -1. */
static int
conn_flush(struct conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN)
				break;
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff == c->outlen) {
		/* Idle WebSockets keep no output buffer. */
		free(c->out);
		c->out = NULL;
		c->outoff = c->outlen = c->outcap = 0;
		conn_watch(c, EPOLL_CTL_MOD, EPOLLIN);
	} else
		conn_watch(c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
	return 0;
}

static void
conn_send(struct conn *c, const void *data, size_t len)
{
	buf_add(&c->out, &c->outlen, &c->outcap, data, len);
	if (c->state != ST_CONNECTING && conn_flush(c) == -1)
		conn_close(c, 0);
}

/* --- WebSocket client ----------------------------------------------------- */

static void
ws_accept_init(void)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	const char *s = WS_KEY WS_GUID;

	SHA1((const unsigned char *)s, strlen(s), md);
	EVP_EncodeBlock((unsigned char *)g.accept, md, sizeof(md));
}

static void
ws_handshake_send(struct conn *c)
{
	char req[4096];
	int n;

	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: " WS_KEY "\r\nSec-WebSocket-Version: 13\r\n"
	    "Origin: %s\r\n%s\r\n", c->target->path, g.hostport, g.origin,
	    c->target->headers);
	conn_send(c, req, (size_t)n);
}

/* A masked client frame (pong, close) with a small payload. */
static void
ws_send_frame(struct conn *c, int opcode, const char *payload, size_t len)
{
	unsigned char f[2 + 4 + 125];
	uint32_t key = (uint32_t)random();

	if (len > 125)
		len = 125;
	f[0] = (unsigned char)(0x80 | opcode);
	f[1] = (unsigned char)(0x80 | len);
	memcpy(f + 2, &key, 4);
	for (size_t i = 0; i < len; i++)
		f[6 + i] = (unsigned char)(payload[i] ^ f[2 + (i & 3)]);
	conn_send(c, f, 6 + len);
}

static void
ws_ready(struct conn *c)
{
	c->target->inflight--;
	c->target->ready++;
	c->state = ST_OPEN;
}

/* One whole text message from the server. */
static void
ws_message(struct conn *c, const char *p, size_t len, int64_t now)
{
	char type[32];

	if (msg_type(p, len, type, sizeof(type)) == -1)
		type[0] = '\0';
	if (strcmp(type, "hello") == 0) {
		if (c->state == ST_UPGRADED)
			ws_ready(c);
		return;
	}
	if (strcmp(type, "presence") == 0)
		return;
	if (strcmp(type, "resync") == 0) {
		g.resyncs++;
		return;
	}
	if (c->state != ST_OPEN)
		return;
	c->nmsg++;
	g.msgs++;
	g.msgbytes += len;
	if (g.mode.on_message != NULL)
		g.mode.on_message(c, p, len, now);
}

/*
 * Consumes whole frames from p; returns the bytes used (a partial frame
 * stays for the next read) or -1 when the connection must close.
 */
static ssize_t
ws_frames(struct conn *c, const char *p, size_t len, int64_t now)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t off = 0, hdr, plen;
	int fin, op;

	while (len - off >= 2) {
		fin = u[off] & 0x80;
		op = u[off] & 0x0f;
		plen = u[off + 1] & 0x7f;
		hdr = 2;
		if (u[off + 1] & 0x80)
			return -1;	/* servers never mask */
		if (plen == 126) {
			if (len - off < 4)
				break;
			plen = (size_t)u[off + 2] << 8 | u[off + 3];
			hdr = 4;
		} else if (plen == 127) {
			if (len - off < 10)
				break;
			plen = 0;
			for (int i = 0; i < 8; i++)
				plen = plen << 8 | u[off + 2 + i];
			hdr = 10;
		}
		if (plen > (64u << 20))
			return -1;
		if (len - off < hdr + plen)
			break;
		p = (const char *)u + off + hdr;
		switch (op) {
		case 0x0:
		case 0x1:
		case 0x2:
			if (fin && !c->fragmented) {
				ws_message(c, p, plen, now);
				break;
			}
			buf_add(&c->frag, &c->fraglen, &c->fragcap, p, plen);
			c->fragmented = !fin;
			if (fin) {
				ws_message(c, c->frag, c->fraglen, now);
				c->fraglen = 0;
			}
			break;
		case 0x8:
			ws_send_frame(c, 0x8, p, plen >= 2 ? 2 : 0);
			return -1;
		case 0x9:
			ws_send_frame(c, 0xa, p, plen);
			break;
		default:
			break;
		}
		off += hdr + plen;
	}
	return (ssize_t)off;
}

/* The 101 answer; returns header bytes used, 0 if incomplete, -1 if bad. */
static ssize_t
ws_handshake_recv(struct conn *c, const char *p, size_t len)
{
	const char *end = memmem(p, len, "\r\n\r\n", 4);
	char *hdrs, *acc;
	size_t hlen;
	int ok;

	if (end == NULL)
		return len > 8192 ? -1 : 0;
	hlen = (size_t)(end - p) + 4;
	hdrs = strndup(p, hlen);
	if (hdrs == NULL)
		fatal("strndup");
	acc = strcasestr(hdrs, "\r\nSec-WebSocket-Accept:");
	ok = strncmp(hdrs, "HTTP/1.1 101", 12) == 0 && acc != NULL;
	if (ok) {
		acc += strlen("\r\nSec-WebSocket-Accept:");
		while (*acc == ' ')
			acc++;
		ok = strncmp(acc, g.accept, strlen(g.accept)) == 0;
	}
	if (!ok && g.verbose)
		log_warnx("%s: refused: %.*s", __func__, (int)strcspn(hdrs,
		    "\r"), hdrs);
	free(hdrs);
	if (!ok)
		return -1;
	if (c->target->ready_on == READY_OPEN)
		ws_ready(c);
	else
		c->state = ST_UPGRADED;
	return (ssize_t)hlen;
}

/* --- HTTP client ---------------------------------------------------------- */

static struct conn *
http_open(http_done_cb *done)
{
	struct conn *c = conn_new(CONN_HTTP);

	if (c == NULL)
		return NULL;
	c->http = calloc(1, sizeof(*c->http));
	if (c->http == NULL)
		fatal("calloc");
	c->http->done = done;
	return c;
}

static int
http_busy(const struct conn *c)
{
	return c->state == ST_CLOSED || c->http->npend > 0;
}

/* Queues one request; extra holds header lines ending in \r\n. */
static int
http_request(struct conn *c, const char *method, const char *path,
    const char *extra, const char *body, uint64_t tag, int64_t t0)
{
	struct http_state *h = c->http;
	char head[2048];
	size_t blen = body ? strlen(body) : 0;
	int n;

	if (c->state == ST_CLOSED || h->npend == HTTP_PIPE)
		return -1;
	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: %s\r\n"
	    "Origin: %s\r\n%s%s", method, path, g.hostport, g.origin,
	    extra ? extra : "", body ? "Content-Type: application/json\r\n" :
	    "");
	n += snprintf(head + n, sizeof(head) - (size_t)n,
	    body ? "Content-Length: %zu\r\n\r\n" : "\r\n", blen);
	h->pend[(h->head + h->npend) % HTTP_PIPE] =
	    (struct http_pending){ tag, t0 };
	h->npend++;
	buf_add(&c->out, &c->outlen, &c->outcap, head, (size_t)n);
	if (blen)
		buf_add(&c->out, &c->outlen, &c->outcap, body, blen);
	if (c->state == ST_OPEN && conn_flush(c) == -1) {
		conn_close(c, 0);
		return 0;	/* the close reported the failure */
	}
	return 0;
}

/* Fails every pending request (status 0) when the connection dies. */
static void
http_fail_pending(struct conn *c)
{
	struct http_state *h = c->http;

	while (h->npend > 0) {
		struct http_pending p = h->pend[h->head];

		h->head = (h->head + 1) % HTTP_PIPE;
		h->npend--;
		h->done(c, 0, p.tag, p.t0, NULL, 0, NULL, 0);
	}
}

/* Decodes a chunked body starting at p; returns bytes used, 0 if partial. */
static size_t
http_chunked(struct http_state *h, const char *p, size_t len, size_t *blen)
{
	size_t off = 0, n;
	char *end;

	*blen = 0;
	for (;;) {
		const char *eol = memmem(p + off, len - off, "\r\n", 2);

		if (eol == NULL)
			return 0;
		n = strtoul(p + off, &end, 16);
		off = (size_t)(eol - p) + 2;
		if (n == 0)
			return len - off >= 2 ? off + 2 : 0;
		if (len - off < n + 2)
			return 0;
		if (*blen + n + 1 > h->bodycap) {
			h->bodycap = (*blen + n + 1) * 2;
			h->body = xrealloc(h->body, h->bodycap);
		}
		memcpy(h->body + *blen, p + off, n);
		*blen += n;
		h->body[*blen] = '\0';
		off += n + 2;
	}
}

/* Parses whole responses from c->in; returns bytes used or -1. */
static ssize_t
http_responses(struct conn *c, const char *p, size_t len)
{
	struct http_state *h = c->http;
	size_t off = 0;

	while (off < len) {
		const char *s = p + off, *end, *cl;
		size_t hlen, blen, used;
		const char *body;
		int status;

		end = memmem(s, len - off, "\r\n\r\n", 4);
		if (end == NULL)
			break;
		hlen = (size_t)(end - s) + 4;
		if (sscanf(s, "HTTP/1.%*d %d", &status) != 1 || h->npend == 0)
			return -1;
		cl = memmem(s, hlen, "\r\nContent-Length:", 17);
		if (cl == NULL)
			cl = memmem(s, hlen, "\r\ncontent-length:", 17);
		if (cl != NULL) {
			blen = strtoul(cl + 17, NULL, 10);
			if (len - off - hlen < blen)
				break;
			body = s + hlen;
			used = hlen + blen;
		} else if (memmem(s, hlen, "chunked", 7) != NULL) {
			used = http_chunked(h, s + hlen, len - off - hlen,
			    &blen);
			if (used == 0)
				break;
			body = h->body;
			used += hlen;
		} else {
			body = "";
			blen = 0;
			used = hlen;
		}
		struct http_pending pd = h->pend[h->head];
		h->head = (h->head + 1) % HTTP_PIPE;
		h->npend--;
		h->done(c, status, pd.tag, pd.t0, s, hlen, body, blen);
		off += used;
	}
	return (ssize_t)off;
}

/* --- the loop --------------------------------------------------------------- */

static void
conn_close(struct conn *c, int on_purpose)
{
	if (c->state == ST_CLOSED)
		return;
	if (c->kind == CONN_WS) {
		struct ws_target *t = c->target;

		if (c->state == ST_OPEN) {
			t->ready--;
			if (!on_purpose) {
				t->dropped++;
				if (g.verbose)
					log_warnx("ws connection dropped");
			}
		} else {
			t->inflight--;
			t->failed++;
		}
	} else if (!on_purpose)
		g.conn_errors++;
	c->state = ST_CLOSED;
	close(c->fd);
	c->fd = -1;
	free(c->in);
	free(c->out);
	free(c->frag);
	c->in = c->out = c->frag = NULL;
	c->inlen = c->incap = c->outlen = c->outoff = c->outcap = 0;
	c->fraglen = c->fragcap = 0;
	if (c->kind == CONN_HTTP)
		http_fail_pending(c);
}

/* Input for c in p (len bytes); returns bytes consumed or -1. */
static ssize_t
conn_input(struct conn *c, const char *p, size_t len, int64_t now)
{
	ssize_t used, more;

	if (c->kind == CONN_HTTP)
		return http_responses(c, p, len);
	if (c->kind == CONN_CTL)
		return ctl_input(c, p, len);
	used = 0;
	if (c->state == ST_HANDSHAKE) {
		used = ws_handshake_recv(c, p, len);
		if (used <= 0)
			return used;
	}
	more = ws_frames(c, p + used, len - (size_t)used, now);
	return more == -1 ? -1 : used + more;
}

/*
 * Reads into g.rbuf.  *arrival becomes the kernel's receive time of the
 * data (SO_TIMESTAMPNS, moved onto the monotonic clock), so a message's
 * latency ends when its bytes reached our socket, not when this process
 * got round to reading it: on a 2-core machine shared with the servers,
 * our own scheduling delay would otherwise be added to their figures.
 */
static ssize_t
sock_recv(int fd, int64_t *arrival)
{
	union {
		char		buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr	align;
	} ctl;
	struct iovec iov = { .iov_base = g.rbuf, .iov_len = READ_CHUNK };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	struct timespec ts;
	ssize_t n;

	n = recvmsg(fd, &msg, 0);
	*arrival = now_ns();
	if (n <= 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			*arrival = (int64_t)ts.tv_sec * NS + ts.tv_nsec -
			    g.real_minus_mono;
			break;
		}
	return n;
}

static void
conn_readable(struct conn *c, int64_t now)
{
	ssize_t n, used;

	n = sock_recv(c->fd, &now);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c, 0);
		return;
	}
	if (n == -1)
		return;
	if (c->inlen == 0) {
		used = conn_input(c, g.rbuf, (size_t)n, now);
		if (used == -1) {
			conn_close(c, 0);
			return;
		}
		if (used < n)
			buf_add(&c->in, &c->inlen, &c->incap, g.rbuf + used,
			    (size_t)(n - used));
		return;
	}
	buf_add(&c->in, &c->inlen, &c->incap, g.rbuf, (size_t)n);
	used = conn_input(c, c->in, c->inlen, now);
	if (used == -1) {
		conn_close(c, 0);
		return;
	}
	memmove(c->in, c->in + used, c->inlen - (size_t)used);
	c->inlen -= (size_t)used;
}

static void
conn_event(struct conn *c, uint32_t events, int64_t now)
{
	int err = 0;
	socklen_t elen = sizeof(err);

	if (c->state == ST_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1 ||
		    err != 0) {
			if (g.verbose)
				log_warnx("connect: %s", strerror(err));
			conn_close(c, 0);
			return;
		}
		c->state = c->kind == CONN_WS ? ST_HANDSHAKE : ST_OPEN;
		if (c->kind == CONN_WS)
			ws_handshake_send(c);
		else if (conn_flush(c) == -1)
			conn_close(c, 0);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		conn_readable(c, now);
	if (c->state != ST_CLOSED && (events & EPOLLOUT) && conn_flush(c) == -1)
		conn_close(c, 0);
}

static struct ws_target *ws_targets[4];
static int nws_targets;

/* Runs the loop until deadline or until done() says so. */
static void
loop_run(int64_t deadline, int (*done)(void))
{
	struct epoll_event evs[MAX_EVENTS];
	int64_t now, next;
	int n, timeout;

	for (;;) {
		now = now_ns();
		for (int i = 0; i < nws_targets; i++)
			ws_target_pump(ws_targets[i]);
		if (stop_requested || now >= deadline ||
		    (done != NULL && done()))
			return;
		next = deadline;
		if (g.mode.tick != NULL) {
			int64_t t = g.mode.tick(now);

			if (t < next)
				next = t;
		}
		timeout = next <= now ? 0 : (int)((next - now + MS - 1) / MS);
		if (timeout > 100)
			timeout = 100;
		n = epoll_wait(g.ep, evs, MAX_EVENTS, timeout);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		now = now_ns();
		for (int i = 0; i < n; i++)
			conn_event(evs[i].data.ptr, evs[i].events, now);
	}
}

/* Opens connections of t up to want, at most g.window in flight at once
 * (a burst bigger than nginx's listen backlog would only retransmit SYNs). */
static void
ws_target_pump(struct ws_target *t)
{
	int inflight_all = 0;

	for (int i = 0; i < nws_targets; i++)
		inflight_all += ws_targets[i]->inflight;
	while (t->started < t->want && inflight_all < g.window) {
		struct conn *c = conn_new(CONN_WS);

		if (c == NULL) {
			t->want = t->started;	/* out of fds or ports */
			break;
		}
		c->target = t;
		t->conns[t->started++] = c;
		t->inflight++;
		inflight_all++;
	}
}

static struct ws_target *
ws_target_new(const char *path, const char *headers, int ready_on, int max)
{
	struct ws_target *t = calloc(1, sizeof(*t));

	if (t == NULL || nws_targets == 4)
		fatal("ws_target_new");
	snprintf(t->path, sizeof(t->path), "%s", path);
	snprintf(t->headers, sizeof(t->headers), "%s", headers);
	t->ready_on = ready_on;
	t->conns = calloc((size_t)max + 1, sizeof(*t->conns));
	if (t->conns == NULL)
		fatal("calloc");
	ws_targets[nws_targets++] = t;
	return t;
}

static struct ws_target *cur_target;

static int
cur_target_settled(void)
{
	return cur_target->started == cur_target->want &&
	    cur_target->inflight == 0;
}

/* Brings t to n open connections (opening or closing the newest). */
static void
ws_target_resize(struct ws_target *t, int n, int64_t timeout)
{
	while (t->started > n) {
		struct conn *c = t->conns[--t->started];

		if (c->state != ST_CLOSED)
			conn_close(c, 1);
		free(c);
		t->conns[t->started] = NULL;
	}
	/* The closed ones below n stay closed: count only the live. */
	t->want = n;
	cur_target = t;
	loop_run(now_ns() + timeout, cur_target_settled);
}

/* --- measurements of the servers' memory ---------------------------------- */

struct procset {
	char		 name[32];
	int		 pids[64];
	int		 npids;
};

static struct procset procsets[8];
static int nprocsets;

/* "name=pid,pid,..." */
static void
procset_add(const char *arg)
{
	struct procset *ps;
	const char *eq = strchr(arg, '=');
	char *end;

	if (eq == NULL || nprocsets == 8)
		fatalx("-P wants name=pid,pid...");
	ps = &procsets[nprocsets++];
	snprintf(ps->name, sizeof(ps->name), "%.*s", (int)(eq - arg), arg);
	for (const char *p = eq + 1; *p && ps->npids < 64; p = end) {
		ps->pids[ps->npids++] = (int)strtol(p, &end, 10);
		if (end == p)
			fatalx("-P: bad pid list %s", arg);
		if (*end == ',')
			end++;
	}
}

/* Sum of Pss (proportional: shared pages split between sharers) in kB. */
static long
procset_pss_kb(const struct procset *ps, long *rss_kb)
{
	char path[64], line[256];
	long pss = 0, v;
	FILE *fp;

	*rss_kb = 0;
	for (int i = 0; i < ps->npids; i++) {
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup",
		    ps->pids[i]);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (sscanf(line, "Pss: %ld kB", &v) == 1)
				pss += v;
			else if (sscanf(line, "Rss: %ld kB", &v) == 1)
				*rss_kb += v;
		}
		fclose(fp);
	}
	return pss;
}

/*
 * utime + stime of ps's processes in microseconds, from /proc/PID/stat:
 * CPU per unit of work is the one figure a noisy shared machine cannot
 * blur much (wall-clock latency it can, 2-5x).  A process that is gone
 * counts 0, so a procset must not change while it is measured.
 */
static int64_t
procset_cpu_us(const struct procset *ps, int64_t *sys_us)
{
	char path[64], buf[1024];
	unsigned long long ut, st;
	int64_t ticks = 0, sys_ticks = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *fp;

	for (int i = 0; i < ps->npids; i++) {
		const char *p;
		size_t n;

		snprintf(path, sizeof(path), "/proc/%d/stat", ps->pids[i]);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		/* comm may hold spaces and parentheses: fields follow the last ')'. */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		    "%llu %llu", &ut, &st) != 2)
			continue;
		ticks += (int64_t)(ut + st);
		sys_ticks += (int64_t)st;
	}
	*sys_us = hz > 0 ? sys_ticks * 1000000 / hz : 0;
	return hz > 0 ? ticks * 1000000 / hz : 0;
}

static int64_t cpu_base[8], cpu_base_sys[8];

static void
cpu_mark(void)
{
	for (int i = 0; i < nprocsets; i++)
		cpu_base[i] = procset_cpu_us(&procsets[i], &cpu_base_sys[i]);
}

/* One line per procset and one for all of them: CPU spent since
 * cpu_mark() per unit of work (a delivery, a rating). */
static void
cpu_report(const char *phase, int n, uint64_t units, const char *unit)
{
	int64_t total = 0, total_sys = 0;

	if (nprocsets == 0)
		return;
	for (int i = 0; i < nprocsets; i++) {
		int64_t sys, us = procset_cpu_us(&procsets[i], &sys) -
		    cpu_base[i];

		sys -= cpu_base_sys[i];
		total += us;
		total_sys += sys;
		printf("cpu phase=%s n=%d proc=%s us=%" PRId64 " %ss=%" PRIu64
		    " us_per_%s=%.3f sys_share=%.2f\n", phase, n,
		    procsets[i].name, us, unit, units, unit,
		    units ? (double)us / (double)units : 0.0,
		    us ? (double)sys / (double)us : 0.0);
	}
	printf("cpu phase=%s n=%d proc=all us=%" PRId64 " %ss=%" PRIu64
	    " us_per_%s=%.3f sys_share=%.2f\n", phase, n, total, unit, units,
	    unit, units ? (double)total / (double)units : 0.0,
	    total ? (double)total_sys / (double)total : 0.0);
	fflush(stdout);
}

static long mem_base_pss[8], mem_base_rss[8];

static void
mem_report(int n)
{
	for (int i = 0; i < nprocsets; i++) {
		long rss, pss = procset_pss_kb(&procsets[i], &rss);

		if (n == 0) {
			mem_base_pss[i] = pss;
			mem_base_rss[i] = rss;
		}
		printf("mem n=%d proc=%s pss_kb=%ld rss_kb=%ld "
		    "per_conn_kb=%.2f per_conn_rss_kb=%.2f\n", n,
		    procsets[i].name, pss, rss, n ? (double)(pss -
		    mem_base_pss[i]) / n : 0.0, n ? (double)(rss -
		    mem_base_rss[i]) / n : 0.0);
	}
	fflush(stdout);
}

/* --- publishing (push mode) ------------------------------------------------- */

static struct {
	int		 memeter;	/* else Nchan over HTTP */
	char		 path[512];	/* Nchan publisher path */
	struct conn	*http;
	struct store	*store;
	int		 nfd;
	char		 notify_path[512];
	int64_t		 session_id;
	int64_t		 nextseq;	/* Nchan: our own seq */
	int64_t		 base;		/* first seq published */
	int64_t		*t0;		/* by seq - base */
	size_t		 n, cap;
	int64_t		 burst_first;	/* first seq of this burst, 0 = none yet */
	uint64_t	 failed;
	int64_t		 ratings;
} pub;

static void
pub_http_done(struct conn *c, int status, uint64_t tag, int64_t t0,
    const char *hdrs, size_t hlen, const char *body, size_t blen)
{
	(void)c; (void)tag; (void)t0; (void)hdrs; (void)hlen; (void)body;
	(void)blen;
	if (status < 200 || status > 299) {
		pub.failed++;
		if (g.verbose)
			log_warnx("publish: status %d", status);
	}
}

static void
pub_record(int64_t seq, int64_t t0)
{
	if (pub.burst_first == 0)
		pub.burst_first = seq;
	if (pub.n == 0)
		pub.base = seq;
	if (seq - pub.base < 0)
		return;
	while ((size_t)(seq - pub.base) >= pub.cap) {
		pub.cap = pub.cap ? pub.cap * 2 : 4096;
		pub.t0 = xrealloc(pub.t0, pub.cap * sizeof(*pub.t0));
	}
	for (size_t i = pub.n; i < (size_t)(seq - pub.base); i++)
		pub.t0[i] = 0;
	pub.t0[seq - pub.base] = t0;
	if ((size_t)(seq - pub.base) >= pub.n)
		pub.n = (size_t)(seq - pub.base) + 1;
}

/* A delivery of an event published before this burst (a slow server's
 * leftovers) belongs to no step's figures. */
static int
seq_stale(int64_t seq)
{
	return pub.burst_first == 0 || seq < pub.burst_first;
}

static int64_t
pub_t0(int64_t seq)
{
	if (pub.n == 0 || seq < pub.base || (size_t)(seq - pub.base) >= pub.n)
		return 0;
	return pub.t0[seq - pub.base];
}

/*
 * The payload: a results_revealed event, the moment of a party when one
 * event goes to every screen at once (users see it unchanged, and pushd
 * never coalesces it, unlike the user view of stats_updated).  Nchan gets
 * the same envelope with the same field widths, so both carry equal bytes.
 */
static struct json_object *
pub_data(void)
{
	struct json_object *d = json_object_new_object();
	struct json_object *res = json_object_new_array();
	struct json_object *place = json_object_new_object();

	pub.ratings++;
	json_object_object_add(place, "place", json_object_new_int(1));
	json_object_object_add(place, "meme_id", json_object_new_int(17));
	json_object_object_add(place, "title",
	    json_object_new_string("Distracted boyfriend"));
	json_object_object_add(place, "url",
	    json_object_new_string("/media/3f2a9c41d07b.jpg"));
	json_object_object_add(place, "count", json_object_new_int(1000));
	json_object_object_add(place, "avg", json_object_new_double(7.25));
	json_object_array_add(res, place);
	json_object_object_add(d, "session_id",
	    json_object_new_int64(pub.session_id));
	json_object_object_add(d, "revealed", json_object_new_int64(100000 +
	    pub.ratings));
	json_object_object_add(d, "total", json_object_new_int(60));
	json_object_object_add(d, "results", res);
	return d;
}

static void
pub_iso_now(char out[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* Publishes one event now; 0 or -1. */
static int
pub_one(void)
{
	struct json_object *d = pub_data();
	int64_t t0 = now_ns(), seq;
	int rc = -1;

	if (pub.memeter) {
		/* One statement: its own transaction. */
		if (store_event_append_json(pub.store, EVENT_RESULTS_REVEALED,
		    pub.session_id, d, &seq) == STORE_OK) {
			pub_record(seq, t0);
			(void)notify_send(pub.nfd, pub.notify_path, seq);
			rc = 0;
		}
	} else {
		char ts[32], *env;
		const char *data = json_object_to_json_string_ext(d,
		    JSON_OUT_FLAGS);
		size_t cap;

		seq = pub.nextseq++;
		pub_iso_now(ts);
		cap = event_envelope_size(EVENT_RESULTS_REVEALED, strlen(ts),
		    strlen(data));
		if ((env = malloc(cap)) != NULL &&
		    event_envelope_write(env, cap, seq, EVENT_RESULTS_REVEALED,
		    ts, data, strlen(data)) < 0) {
			free(env);
			env = NULL;
		}
		if (env != NULL && pub.http->state != ST_CLOSED) {
			pub_record(seq, t0);
			rc = http_request(pub.http, "POST", pub.path, NULL, env,
			    (uint64_t)seq, t0);
		}
		free(env);
	}
	json_object_put(d);
	if (rc == -1)
		pub.failed++;
	return rc;
}

static int
pub_open(const char *spec)
{
	if (strncmp(spec, "nchan:", 6) == 0) {
		char path[512];
		struct sockaddr_in keep = g.addr;
		char hp[sizeof(g.hostport)];

		/* The publisher lives on the same server as the subscribers. */
		snprintf(hp, sizeof(hp), "%s", g.hostport);
		if (url_parse(spec + 6, "http://", path, sizeof(path)) == -1)
			return -1;
		snprintf(pub.path, sizeof(pub.path), "%s", path);
		pub.http = http_open(pub_http_done);
		g.addr = keep;
		snprintf(g.hostport, sizeof(g.hostport), "%s", hp);
		if (pub.http == NULL)
			return -1;
		pub.nextseq = 1000;
		return 0;
	}
	if (strcmp(spec, "memeter") == 0) {
		struct config cfg;
		char err[256];

		if (config_load(&cfg, config_default_path(), 1, err,
		    sizeof(err)) == -1) {
			log_warnx("%s: %s", __func__, err);
			return -1;
		}
		pub.memeter = 1;
		pub.store = store_open(cfg.db_path, STORE_READWRITE);
		pub.nfd = notify_sender_open();
		snprintf(pub.notify_path, sizeof(pub.notify_path), "%s",
		    cfg.notify_socket);
		return pub.store == NULL || pub.nfd == -1 ? -1 : 0;
	}
	log_warnx("%s: %s: want nchan:URL or memeter", __func__, spec);
	return -1;
}

/* --- push mode ----------------------------------------------------------------- */

static void
push_on_message(struct conn *c, const char *p, size_t len, int64_t now)
{
	int64_t seq = json_int_after(p, len, "\"seq\":"), t0;

	(void)c;
	if (seq > 0 && seq_stale(seq)) {
		g.msgs--;
		g.msgbytes -= len;
		g.stale++;
		return;
	}
	t0 = seq > 0 ? pub_t0(seq) : 0;
	if (t0 == 0) {
		g.unmatched++;
		return;
	}
	lat_add(&g.lat, now - t0);
}

static struct {
	int64_t		 start;
	int64_t		 interval;	/* ns between events */
	int64_t		 next;
	int		 total;		/* events to publish, -1 = until stop */
	int		 sent;
} sched;

static int64_t
push_tick(int64_t now)
{
	while (sched.total != 0 && sched.next <= now &&
	    (sched.total < 0 || sched.sent < sched.total)) {
		if (pub_one() == 0)
			sched.sent++;
		sched.next += sched.interval;
	}
	if (sched.total >= 0 && sched.sent >= sched.total)
		return now + 100 * MS;
	return sched.next;
}

static uint64_t deliver_expect;

static int
all_delivered(void)
{
	return g.msgs >= deliver_expect;
}

static void
measure_reset(void)
{
	g.msgs = g.msgbytes = g.unmatched = g.resyncs = g.stale = 0;
	g.lat.n = 0;
}

/* --- several client processes (push -j N) ---------------------------------------- */

/*
 * One process may hold at most ~20,000 files here, so -j N forks N-1
 * helpers that each hold a share of the idle and fan-out clients (the
 * sustained ladder's stay in the parent).  The parent publishes and
 * knows every publish time; a helper keeps (seq, kernel arrival time) of
 * each delivery and sends them all back, and the parent turns them into
 * latencies (CLOCK_MONOTONIC is one clock for every process).  So the
 * quantiles are taken over every sample of every process, never averaged.
 * Parent and helper talk in synchronous calls over a socketpair: a
 * ctl_msg, answered by a CTL_REPLY with a ctl_status (and, for
 * CTL_DRAIN, the samples).
 */
enum ctl_type { CTL_RESIZE = 1, CTL_STATUS, CTL_RESET, CTL_DRAIN, CTL_REPLY };

struct ctl_msg {
	uint32_t	 type;
	uint32_t	 len;		/* payload bytes after this header */
	int64_t		 arg;		/* RESIZE: clients; DRAIN: events; REPLY: the call */
	int64_t		 deadline;	/* RESIZE, DRAIN: monotonic ns */
	int64_t		 seq;		/* DRAIN: the burst's first seq */
};

struct ctl_status {
	int32_t		 ready, failed, dropped, pad;
	uint64_t	 msgs, msgbytes, resyncs, stale, nsamples;
};

struct ctl_sample {
	int64_t		 seq;
	int64_t		 arrival;	/* monotonic ns */
};

#define MAX_PROCS	8

static struct {
	int		 n;		/* client processes in all (1: no helpers) */
	int		 index;		/* 0 in the parent */
	pid_t		 pid[MAX_PROCS];
	struct conn	*ctl[MAX_PROCS]; /* parent: [i] to helper i; helper: [0] */
	struct ctl_status st[MAX_PROCS]; /* parent: each helper's last status */
	int		 replied[MAX_PROCS];
	/* in a helper */
	struct ctl_msg	 cmd;
	int		 have_cmd;
	struct ctl_sample *samples;
	size_t		 nsamples, cap;
	int64_t		 floor;		/* the last DRAIN's first seq */
} procs = { .n = 1 };

static struct conn *
ctl_conn(int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		fatal("calloc");
	c->fd = fd;
	c->kind = CONN_CTL;
	c->state = ST_OPEN;
	conn_watch(c, EPOLL_CTL_ADD, EPOLLIN);
	return c;
}

/* Queues a message header; len payload bytes must follow (ctl_put),
 * then ctl_push. */
static void
ctl_begin(struct conn *c, int type, int64_t arg, int64_t deadline,
    size_t len)
{
	struct ctl_msg m = { .type = (uint32_t)type, .len = (uint32_t)len,
	    .arg = arg, .deadline = deadline };

	buf_add(&c->out, &c->outlen, &c->outcap, &m, sizeof(m));
}

static void
ctl_put(struct conn *c, const void *p, size_t n)
{
	buf_add(&c->out, &c->outlen, &c->outcap, p, n);
}

static void
ctl_push(struct conn *c)
{
	if (conn_flush(c) == -1)
		conn_close(c, 0);
}

/* The parent's side of a reply: a DRAIN's counters and samples join this
 * process's own, each sample timed against its publish time. */
static void
ctl_reply(int i, const struct ctl_msg *m, const char *payload)
{
	struct ctl_status st;
	struct ctl_sample s;
	int64_t t0;

	if (m->len < sizeof(st))
		fatalx("helper %d: short reply", i);
	memcpy(&st, payload, sizeof(st));
	if (m->len != sizeof(st) + st.nsamples * sizeof(s))
		fatalx("helper %d: reply of %u bytes", i, m->len);
	procs.st[i] = st;
	procs.replied[i] = 1;
	if (m->arg != CTL_DRAIN)
		return;
	g.msgs += st.msgs;
	g.msgbytes += st.msgbytes;
	g.resyncs += st.resyncs;
	g.stale += st.stale;
	for (uint64_t k = 0; k < st.nsamples; k++) {
		memcpy(&s, payload + sizeof(st) + k * sizeof(s), sizeof(s));
		if (s.seq > 0 && seq_stale(s.seq)) {
			g.msgs--;
			g.stale++;
		} else if ((t0 = pub_t0(s.seq)) == 0)
			g.unmatched++;
		else
			lat_add(&g.lat, s.arrival - t0);
	}
}

/* Whole messages from the other process; returns the bytes used. */
static ssize_t
ctl_input(struct conn *c, const char *p, size_t len)
{
	struct ctl_msg m;
	size_t off = 0;

	while (len - off >= sizeof(m)) {
		memcpy(&m, p + off, sizeof(m));
		if (len - off - sizeof(m) < m.len)
			break;
		if (procs.index != 0) {
			procs.cmd = m;
			procs.have_cmd = 1;
		} else {
			int i = 1;

			while (i < procs.n && procs.ctl[i] != c)
				i++;
			if (i == procs.n || m.type != CTL_REPLY)
				fatalx("unexpected control message %u", m.type);
			ctl_reply(i, &m, p + off + sizeof(m));
		}
		off += sizeof(m) + m.len;
	}
	return (ssize_t)off;
}

static int
procs_replied(void)
{
	for (int i = 1; i < procs.n; i++) {
		if (procs.ctl[i]->state == ST_CLOSED)
			fatalx("helper %d (pid %d) is gone", i, (int)procs.pid[i]);
		if (!procs.replied[i])
			return 0;
	}
	return 1;
}

/* Waits for every helper's reply to the last call. */
static void
procs_wait(int64_t deadline)
{
	loop_run(deadline, procs_replied);
	if (!procs_replied() && !stop_requested)
		fatalx("a helper did not answer in time");
}

static void
procs_call(int type, int64_t arg, int64_t deadline)
{
	for (int i = 1; i < procs.n; i++) {
		procs.replied[i] = 0;
		ctl_begin(procs.ctl[i], type, arg, deadline, 0);
		ctl_push(procs.ctl[i]);
	}
}

/* Asks every helper for its deliveries of this burst (from first on). */
static void
procs_drain(int events, int64_t first, int64_t deadline)
{
	struct ctl_msg m = { .type = CTL_DRAIN, .arg = events,
	    .deadline = deadline, .seq = first };

	for (int i = 1; i < procs.n; i++) {
		procs.replied[i] = 0;
		ctl_put(procs.ctl[i], &m, sizeof(m));
		ctl_push(procs.ctl[i]);
	}
}

/* Process i's share of n clients. */
static int
procs_share(int n, int i)
{
	return n / procs.n + (i < n % procs.n);
}

/* The ready, failed and dropped clients of every process: this one's
 * now and each helper's of its last reply. */
static struct ctl_status
total_clients(const struct ws_target *t)
{
	struct ctl_status sum = { .ready = t->ready, .failed = t->failed,
	    .dropped = t->dropped };

	for (int i = 1; i < procs.n; i++) {
		sum.ready += procs.st[i].ready;
		sum.failed += procs.st[i].failed;
		sum.dropped += procs.st[i].dropped;
	}
	return sum;
}

/* Brings the clients of every process to n in all (spread), or n in the
 * parent and none in the helpers. */
static void
procs_resize(struct ws_target *t, int n, int64_t timeout, int spread)
{
	int64_t deadline = now_ns() + timeout;

	for (int i = 1; i < procs.n; i++) {
		procs.replied[i] = 0;
		ctl_begin(procs.ctl[i], CTL_RESIZE, spread ? procs_share(n, i) :
		    0, deadline, 0);
		ctl_push(procs.ctl[i]);
	}
	ws_target_resize(t, spread ? procs_share(n, 0) : n, timeout);
	procs_wait(deadline + 5 * NS);
}

/* Every helper's ready/dropped counts, fresh. */
static void
procs_status(void)
{
	procs_call(CTL_STATUS, 0, 0);
	procs_wait(now_ns() + 10 * NS);
}

static void
helper_on_message(struct conn *c, const char *p, size_t len, int64_t now)
{
	int64_t seq = json_int_after(p, len, "\"seq\":");

	(void)c;
	if (seq > 0 && seq < procs.floor) {
		g.msgs--;
		g.msgbytes -= len;
		g.stale++;
		return;
	}
	if (procs.nsamples == procs.cap) {
		procs.cap = procs.cap ? procs.cap * 2 : 65536;
		procs.samples = xrealloc(procs.samples,
		    procs.cap * sizeof(*procs.samples));
	}
	procs.samples[procs.nsamples++] = (struct ctl_sample){ seq, now };
}

/* Drops what arrived of bursts before floor (not this DRAIN's). */
static void
helper_drop_stale(int64_t floor)
{
	size_t k = 0;

	procs.floor = floor;
	for (size_t i = 0; i < procs.nsamples; i++) {
		if (procs.samples[i].seq > 0 && procs.samples[i].seq < floor) {
			g.msgs--;
			g.stale++;
		} else
			procs.samples[k++] = procs.samples[i];
	}
	procs.nsamples = k;
}

static int
helper_idle(void)
{
	return procs.have_cmd || procs.ctl[0]->state == ST_CLOSED;
}

static void
helper_reply(const struct ws_target *t, int call)
{
	struct ctl_status st = { .ready = t->ready, .failed = t->failed,
	    .dropped = t->dropped, .msgs = g.msgs, .msgbytes = g.msgbytes,
	    .resyncs = g.resyncs, .stale = g.stale };
	size_t ns = call == CTL_DRAIN ? procs.nsamples : 0;

	st.nsamples = ns;
	ctl_begin(procs.ctl[0], CTL_REPLY, call, 0, sizeof(st) +
	    ns * sizeof(*procs.samples));
	ctl_put(procs.ctl[0], &st, sizeof(st));
	if (ns > 0)
		ctl_put(procs.ctl[0], procs.samples,
		    ns * sizeof(*procs.samples));
	ctl_push(procs.ctl[0]);
	if (call == CTL_DRAIN)
		procs.nsamples = 0;
}

/* A helper: holds its share of the clients until the parent hangs up. */
static void __attribute__((noreturn))
helper_main(int index, int fd, const char *path, const char *headers,
    int ready_on, int max)
{
	struct ws_target *t;

	close(g.ep);	/* the parent's epoll instance, shared by fork */
	if ((g.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	procs.index = index;
	g.srcnext = index;
	procs.ctl[0] = ctl_conn(fd);
	t = ws_target_new(path, headers, ready_on, max);
	g.mode.on_message = helper_on_message;
	while (!stop_requested) {
		loop_run(now_ns() + 3600 * NS, helper_idle);
		if (procs.ctl[0]->state == ST_CLOSED)
			break;
		if (!procs.have_cmd)
			continue;
		procs.have_cmd = 0;
		switch (procs.cmd.type) {
		case CTL_RESIZE:
			ws_target_resize(t, (int)procs.cmd.arg,
			    procs.cmd.deadline - now_ns());
			break;
		case CTL_RESET:
			measure_reset();
			procs.nsamples = 0;
			break;
		case CTL_DRAIN:
			helper_drop_stale(procs.cmd.seq);
			deliver_expect = (uint64_t)t->ready *
			    (uint64_t)procs.cmd.arg;
			loop_run(procs.cmd.deadline, all_delivered);
			break;
		case CTL_STATUS:
			break;
		default:
			fatalx("unknown control call %u", procs.cmd.type);
		}
		helper_reply(t, (int)procs.cmd.type);
	}
	_exit(0);
}

/* Forks the helpers (before the publisher opens its store or socket). */
static void
procs_spawn(const char *path, const char *headers, int ready_on, int max)
{
	for (int i = 1; i < procs.n; i++) {
		int sv[2];
		pid_t pid;

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0, sv) == -1)
			fatal("socketpair");
		fflush(stdout);
		if ((pid = fork()) == -1)
			fatal("fork");
		if (pid == 0) {
			close(sv[0]);
			for (int k = 1; k < i; k++)
				close(procs.ctl[k]->fd);
			helper_main(i, sv[1], path, headers, ready_on, max);
		}
		close(sv[1]);
		procs.pid[i] = pid;
		procs.ctl[i] = ctl_conn(sv[0]);
	}
}

/* Hangs up on the helpers and reaps them. */
static void
procs_end(void)
{
	for (int i = 1; i < procs.n; i++) {
		conn_close(procs.ctl[i], 1);
		free(procs.ctl[i]);
		procs.ctl[i] = NULL;
		(void)waitpid(procs.pid[i], NULL, 0);
	}
}

/* Every helper has sent its deliveries and, with them, every client of
 * every process has all of them. */
static int
all_delivered_everywhere(void)
{
	return procs_replied() && all_delivered();
}

/*
 * Publishes events at interval to target t's ready clients, then waits up
 * to drain for every delivery.  Fills the scheduler; results in g.
 */
static void
push_burst(struct ws_target *t, int events, int64_t interval, int64_t drain)
{
	int64_t end;

	measure_reset();
	pub.burst_first = 0;
	procs_call(CTL_RESET, 0, 0);
	procs_wait(now_ns() + 10 * NS);
	sched.start = sched.next = now_ns();
	sched.interval = interval;
	sched.total = events;
	sched.sent = 0;
	g.mode.tick = push_tick;
	end = sched.start + interval * events;
	loop_run(end, NULL);
	while (sched.sent < events && !stop_requested)
		loop_run(now_ns() + 10 * MS, NULL);
	g.mode.tick = NULL;
	/* The helpers' ready counts are those of their CTL_RESET replies. */
	deliver_expect = (uint64_t)total_clients(t).ready * (uint64_t)sched.sent;
	end = now_ns() + drain;
	procs_drain(sched.sent, pub.burst_first ? pub.burst_first : INT64_MAX,
	    end);
	loop_run(end, all_delivered_everywhere);
	procs_wait(end + 10 * NS);
}

static void
push_report(const char *tag, struct ws_target *t, int n, double rate,
    double secs)
{
	char sum[160];
	uint64_t expect = (uint64_t)total_clients(t).ready * (uint64_t)sched.sent;

	lat_summary(&g.lat, "", sum, sizeof(sum));
	printf("%s n=%d ready=%d rate=%.0f events=%d deliveries=%" PRIu64
	    " missing=%" PRId64 " delivered_per_s=%.0f msg_bytes=%.0f %s "
	    "dropped=%d resyncs=%" PRIu64 " pub_failed=%" PRIu64 " samples=%zu"
	    " unmatched=%" PRIu64 " stale=%" PRIu64 "\n", tag, n,
	    total_clients(t).ready, rate, sched.sent, g.msgs, (int64_t)(expect - g.msgs),
	    secs > 0 ? (double)g.msgs / secs : 0.0, g.msgs ? (double)g.msgbytes /
	    (double)g.msgs : 0.0, sum, total_clients(t).dropped, g.resyncs, pub.failed,
	    g.lat.n, g.unmatched, g.stale);
	fflush(stdout);
}

static int
parse_list(const char *s, int *out, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		out[n++] = (int)strtol(s, &end, 10);
		if (end == s)
			return -1;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

struct push_opts {
	const char	*url;
	const char	*pub;
	const char	*headers;
	int		 ready_on;
	int		 levels[8], nlevels;
	int		 fanout[8], nfanout;
	int		 events;
	int		 gap_ms;
	int		 rates[32], nrates;
	int		 rate_n;
	int		 step_ms;
	double		 p99_limit_ms;
	int		 hold_ms;
};

static int
push_idle(struct push_opts *o, struct ws_target *t)
{
	int64_t t0;

	mem_report(0);
	for (int i = 0; i < o->nlevels && !stop_requested; i++) {
		int n = o->levels[i], before;

		t0 = now_ns();
		procs_resize(t, n, 120 * NS, 1);
		before = total_clients(t).dropped;
		printf("connect n=%d ready=%d failed=%d secs=%.2f procs=%d\n", n,
		    total_clients(t).ready, total_clients(t).failed, (double)(now_ns() - t0) / NS,
		    procs.n);
		fflush(stdout);
		/* Idle: nothing is published while they are held. */
		loop_run(now_ns() + (int64_t)o->hold_ms * MS, NULL);
		procs_status();
		printf("idle n=%d held=%d dropped=%d hold_s=%.1f\n", n,
		    total_clients(t).ready, total_clients(t).dropped - before,
		    o->hold_ms / 1000.0);
		mem_report(n);
		if (total_clients(t).ready < n)
			return -1;
	}
	return 0;
}

/*
 * Waits (at most 10 s) until the servers are idle: closing the clients
 * the last step dropped (9,000 of them from 10,000 to 1,000) is that
 * step's work and must not count in this one's CPU.  Idle = at most one
 * clock tick (10 ms) of CPU in 200 ms.
 */
static void
servers_quiet(void)
{
	int64_t last = -1, cur, sys, deadline = now_ns() + 10 * NS;

	while (nprocsets > 0 && now_ns() < deadline && !stop_requested) {
		cur = 0;
		for (int i = 0; i < nprocsets; i++)
			cur += procset_cpu_us(&procsets[i], &sys);
		if (last >= 0 && cur - last <= 10000)
			return;
		last = cur;
		loop_run(now_ns() + 200 * MS, NULL);
	}
}

static void
push_fanout(struct push_opts *o, struct ws_target *t)
{
	for (int i = 0; i < o->nfanout && !stop_requested; i++) {
		int n = o->fanout[i];

		procs_resize(t, n, 120 * NS, 1);
		/* A quiet second so every client is past its hello. */
		loop_run(now_ns() + 500 * MS, NULL);
		servers_quiet();
		cpu_mark();
		/* Up to 30 s for the last deliveries: a loaded server may
		 * need it at 20,000, and nothing waits once all arrived. */
		push_burst(t, o->events, (int64_t)o->gap_ms * MS, 30 * NS);
		cpu_report("fanout", n, g.msgs, "delivery");
		push_report("fanout", t, n, 1000.0 / o->gap_ms,
		    (double)o->events * o->gap_ms / 1000.0);
	}
}

/* One step of the ladder; 1 if every delivery came within the limit. */
static int
push_rate_step(struct push_opts *o, struct ws_target *t, int rate, int try)
{
	int events = (int)((int64_t)rate * o->step_ms / 1000);
	uint64_t expect;

	push_burst(t, events, NS / rate, 5 * NS);
	/* The publishing time, not the drain wait, is the step's length. */
	push_report(try ? "rate_retry" : "rate", t, o->rate_n, rate,
	    (double)o->step_ms / 1000.0);
	expect = (uint64_t)total_clients(t).ready * (uint64_t)sched.sent;
	/* Let queues empty before the next step. */
	loop_run(now_ns() + 300 * MS, NULL);
	return lat_q(&g.lat, 0.99, 1) <= o->p99_limit_ms && g.msgs >= expect &&
	    total_clients(t).ready >= o->rate_n;
}

/*
 * Steps up the publish rate until p99 passes the limit or deliveries lag.
 * A failed step runs once more before the ladder stops: on a shared
 * 2-core machine one scheduling stall of another process can push a
 * whole step's p99 over the limit, and this applies to both servers.
 */
static void
push_rates(struct push_opts *o, struct ws_target *t)
{
	int best = 0;
	double best_dps = 0;

	if (o->nrates == 0)
		return;
	/* The ladder's clients fit in one process: all in the parent. */
	procs_resize(t, o->rate_n, 120 * NS, 0);
	loop_run(now_ns() + 500 * MS, NULL);
	for (int i = 0; i < o->nrates && !stop_requested; i++) {
		int rate = o->rates[i];

		if (!push_rate_step(o, t, rate, 0) &&
		    !push_rate_step(o, t, rate, 1))
			break;
		best = rate;
		best_dps = (double)g.msgs / ((double)o->step_ms / 1000.0);
	}
	printf("sustained n=%d best_rate=%d delivered_per_s=%.0f "
	    "p99_limit_ms=%.0f\n", o->rate_n, best, best_dps, o->p99_limit_ms);
	fflush(stdout);
}

static int
push_main(struct push_opts *o)
{
	struct ws_target *t;
	char path[512];
	int max = 0;

	if (url_parse(o->url, "ws://", path, sizeof(path)) == -1)
		return 1;
	for (int i = 0; i < o->nlevels; i++)
		if (o->levels[i] > max)
			max = o->levels[i];
	for (int i = 0; i < o->nfanout; i++)
		if (o->fanout[i] > max)
			max = o->fanout[i];
	if (o->rate_n > max)
		max = o->rate_n;
	procs_spawn(path, o->headers, o->ready_on, max);
	if (pub_open(o->pub) == -1)
		return 1;
	t = ws_target_new(path, o->headers, o->ready_on, max);
	g.mode.on_message = push_on_message;
	if (push_idle(o, t) == -1) {
		printf("error idle connections failed\n");
		return 1;
	}
	push_fanout(o, t);
	push_rates(o, t);
	procs_resize(t, 0, 5 * NS, 1);
	procs_end();
	return 0;
}

/* --- ratings mode -------------------------------------------------------------- */

struct ratings_opts {
	const char	*url;
	const char	*admin_headers;
	int		 admins;	/* /ws/admin clients */
	int		 users;		/* /ws/user clients */
	int		 raters;
	int		 http_conns;
	int		 rates[32], nrates;
	int		 step_ms;
	double		 p99_limit_ms;
	pid_t		 hup_pid;
	int		 hup_every_ms;
	int		 hup_count;
};

static struct {
	char		**token;	/* by rater index */
	int64_t		*id;
	int		 nraters;
	int		*by_id;		/* rater id -> index + 1 */
	int64_t		 maxid;
	int64_t		 memes[512];
	int		 nmemes;
	int		 meme_by_id[4096];	/* meme id -> index + 1 */
	int64_t		*t0;		/* by pair k = meme * R + rater */
	size_t		 npairs;
	size_t		 next_pair;
	struct conn	**http;
	int		 nhttp;
	int		 created;
	uint64_t	 ok, failed, answered;
	struct lat	 http_lat;
	int64_t		 last_answer;
	uint64_t	 status_hist[6];	/* 0, 1xx .. 5xx */
} rt;

/* Parses a response body (not NUL-terminated); the caller owns the result. */
static struct json_object *
json_body(const char *body, size_t blen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (tok == NULL)
		fatal("json_tokener_new");
	o = json_tokener_parse_ex(tok, body, (int)blen);
	json_tokener_free(tok);
	return o;
}

static void
rt_state_done(struct conn *c, int status, uint64_t tag, int64_t t0,
    const char *hdrs, size_t hlen, const char *body, size_t blen)
{
	struct json_object *root, *me, *id, *memes, *m;
	const char *ck;
	size_t i = tag, n;

	(void)c; (void)t0;
	rt.answered++;
	if (status != 200) {
		rt.failed++;
		if (g.verbose)
			log_warnx("GET /api/state: %d %.*s", status, (int)blen,
			    body ? body : "");
		return;
	}
	ck = memmem(hdrs, hlen, "mr_rater=", 9);
	root = json_body(body, blen);
	if (ck == NULL || root == NULL ||
	    !json_object_object_get_ex(root, "me", &me) ||
	    !json_object_object_get_ex(me, "id", &id)) {
		rt.failed++;
		json_object_put(root);
		return;
	}
	ck += 9;
	n = strcspn(ck, ";\r");
	rt.token[i] = strndup(ck, n);
	rt.id[i] = json_object_get_int64(id);
	if (rt.nmemes == 0 && json_object_object_get_ex(root, "memes", &memes))
		for (size_t k = 0; k < json_object_array_length(memes) &&
		    rt.nmemes < 512; k++) {
			m = json_object_array_get_idx(memes, k);
			if (json_object_object_get_ex(m, "id", &id))
				rt.memes[rt.nmemes++] =
				    json_object_get_int64(id);
		}
	rt.created++;
	json_object_put(root);
}

static int
rt_all_answered(void)
{
	return rt.answered >= (uint64_t)rt.nraters;
}

/* Creates the raters: GET /api/state without a cookie, once each. */
static int
rt_create_raters(void)
{
	size_t next = 0;

	for (int i = 0; i < rt.nhttp; i++)
		rt.http[i]->http->done = rt_state_done;
	while (!rt_all_answered() && !stop_requested) {
		for (int i = 0; i < rt.nhttp && next < (size_t)rt.nraters; i++)
			if (!http_busy(rt.http[i]))
				http_request(rt.http[i], "GET", "/api/state",
				    NULL, NULL, next++, now_ns());
		loop_run(now_ns() + 5 * MS, rt_all_answered);
	}
	if (rt.created < rt.nraters || rt.nmemes == 0) {
		printf("error raters=%d/%d memes=%d\n", rt.created, rt.nraters,
		    rt.nmemes);
		return -1;
	}
	for (int i = 0; i < rt.nraters; i++)
		if (rt.id[i] > rt.maxid)
			rt.maxid = rt.id[i];
	rt.by_id = calloc((size_t)rt.maxid + 1, sizeof(*rt.by_id));
	if (rt.by_id == NULL)
		fatal("calloc");
	for (int i = 0; i < rt.nraters; i++)
		rt.by_id[rt.id[i]] = i + 1;
	for (int i = 0; i < rt.nmemes; i++)
		if (rt.memes[i] > 0 && rt.memes[i] < 4096)
			rt.meme_by_id[rt.memes[i]] = i + 1;
	rt.npairs = (size_t)rt.nraters * (size_t)rt.nmemes;
	rt.t0 = calloc(rt.npairs, sizeof(*rt.t0));
	if (rt.t0 == NULL)
		fatal("calloc");
	printf("setup raters=%d memes=%d pairs=%zu\n", rt.nraters, rt.nmemes,
	    rt.npairs);
	fflush(stdout);
	return 0;
}

static void
rt_rating_done(struct conn *c, int status, uint64_t tag, int64_t t0,
    const char *hdrs, size_t hlen, const char *body, size_t blen)
{
	(void)c; (void)tag; (void)hdrs; (void)hlen;
	rt.answered++;
	rt.last_answer = now_ns();
	rt.status_hist[status / 100 < 6 ? status / 100 : 0]++;
	if (status == 200 || status == 201) {
		rt.ok++;
		lat_add(&rt.http_lat, rt.last_answer - t0);
		return;
	}
	rt.failed++;
	rt.t0[tag] = 0;		/* no event will come */
	if (g.verbose)
		log_warnx("POST /api/ratings: %d %.*s", status, (int)blen,
		    body ? body : "");
}

static void
rt_on_message(struct conn *c, const char *p, size_t len, int64_t now)
{
	static const char rkey[] = "\"rater\":{\"id\":";
	int64_t meme, rater, t0;
	size_t k;
	int ri, mi;

	(void)c;
	if (memmem(p, len, "\"type\":\"new_rating\"", 19) == NULL)
		return;
	meme = json_int_after(p, len, "\"meme_id\":");
	rater = json_int_after(p, len, rkey);
	if (meme <= 0 || meme >= 4096 || rater <= 0 || rater > rt.maxid) {
		g.unmatched++;
		return;
	}
	mi = rt.meme_by_id[meme];
	ri = rt.by_id[rater];
	if (mi == 0 || ri == 0) {
		g.unmatched++;
		return;
	}
	k = (size_t)(mi - 1) * (size_t)rt.nraters + (size_t)(ri - 1);
	t0 = rt.t0[k];
	if (t0 == 0) {
		g.unmatched++;
		return;
	}
	lat_add(&g.lat, now - t0);
}

static struct {
	int64_t		 start, end;	/* sending window */
	double		 rate;
	uint64_t	 due_sent;	/* ratings handed out */
	uint64_t	 target;	/* ratings in the step */
	int64_t		 next_hup;
	int		 hups_left;
	int		 hups;
	pid_t		 hup_pid;
	int64_t		 hup_every;
} rs;

static int
rt_send_one(struct conn *c, int64_t t_sched)
{
	char extra[256], body[160];
	size_t k = rt.next_pair;
	int r, m;

	if (k >= rt.npairs)
		return -1;
	rt.next_pair++;
	r = (int)(k % (size_t)rt.nraters);
	m = (int)(k / (size_t)rt.nraters);
	snprintf(extra, sizeof(extra), "Cookie: mr_rater=%s\r\n", rt.token[r]);
	snprintf(body, sizeof(body), "{\"meme_id\":%" PRId64 ",\"score\":%d}",
	    rt.memes[m], (int)(k % 11));
	rt.t0[k] = t_sched;
	return http_request(c, "POST", "/api/ratings", extra, body, k, t_sched);
}

/*
 * Open loop: rating j of the step is due at start + j / rate and its
 * latency counts from then, so a server that falls behind cannot hide it
 * by slowing the client down.
 */
static int64_t
rt_tick(int64_t now)
{
	uint64_t due;
	int64_t next;

	if (rs.hups_left > 0 && now >= rs.next_hup) {
		if (kill(rs.hup_pid, SIGHUP) == 0)
			rs.hups++;
		rs.hups_left--;
		rs.next_hup += rs.hup_every;
	}
	due = now >= rs.end ? rs.target : (uint64_t)((double)(now - rs.start) *
	    rs.rate / NS) + 1;
	if (due > rs.target)
		due = rs.target;
	for (int i = 0; i < rt.nhttp && rs.due_sent < due; i++) {
		struct conn *c = rt.http[i];

		if (c->state == ST_CLOSED) {
			/* nginx closed a keep-alive connection: replace it. */
			free(c->http->body);
			free(c->http);
			free(c);
			rt.http[i] = c = http_open(rt_rating_done);
			if (c == NULL)
				fatalx("cannot reopen an HTTP connection");
		}
		if (http_busy(c))
			continue;
		if (rt_send_one(c, rs.start + (int64_t)((double)rs.due_sent *
		    NS / rs.rate)) == -1)
			break;
		rs.due_sent++;
	}
	next = rs.start + (int64_t)((double)rs.due_sent * NS / rs.rate);
	/* Every connection busy with a rating that is due: the next answer
	 * (an epoll event) frees one.  Spinning on the clock until then
	 * would take a core from the servers under test. */
	if (rs.due_sent < due)
		next = now + 100 * MS;
	if (rs.hups_left > 0 && rs.next_hup < next)
		next = rs.next_hup;
	return next;
}

static uint64_t rt_expect_msgs;

static int
rt_step_answered(void)
{
	return rt.answered >= rs.due_sent;
}

static int
rt_drained(void)
{
	return rs.due_sent >= rs.target && rt.answered >= rs.due_sent &&
	    g.lat.n >= rt_expect_msgs;
}

/* Accepted ratings per second over the step, up to the last answer. */
static double
rt_achieved(void)
{
	double secs = (double)(rt.last_answer - rs.start) / NS;

	return secs > 0 ? (double)rt.ok / secs : 0.0;
}

static void
rt_step(struct ratings_opts *o, struct ws_target *adm, struct ws_target *usr,
    int rate, int64_t dur)
{
	char e2e[160], http[160];
	int adm_drop = adm->dropped, usr_drop = usr ? usr->dropped : 0;

	measure_reset();
	rt.ok = rt.failed = rt.answered = 0;
	g.conn_errors = 0;
	memset(rt.status_hist, 0, sizeof(rt.status_hist));
	rt.http_lat.n = 0;
	rs.rate = rate;
	rs.start = now_ns();
	rs.end = rs.start + dur;
	rs.target = (uint64_t)((double)rate * (double)dur / NS);
	rs.due_sent = 0;
	rs.hups = 0;
	rs.hups_left = o->hup_pid > 0 ? o->hup_count : 0;
	rs.hup_pid = o->hup_pid;
	rs.hup_every = (int64_t)o->hup_every_ms * MS;
	rs.next_hup = rs.start + rs.hup_every / 2;
	rt_expect_msgs = ~0ull;
	g.mode.tick = rt_tick;
	cpu_mark();
	loop_run(rs.end, NULL);
	while (rs.due_sent < rs.target && rt.next_pair < rt.npairs &&
	    !stop_requested)
		loop_run(now_ns() + 10 * MS, NULL);
	while (rs.hups_left > 0 && !stop_requested)
		loop_run(now_ns() + 10 * MS, NULL);
	/* Every accepted rating, at every admin client. */
	loop_run(now_ns() + 10 * NS, rt_step_answered);
	g.mode.tick = NULL;
	rt_expect_msgs = rt.ok * (uint64_t)adm->ready;
	loop_run(now_ns() + 5 * NS, rt_drained);
	cpu_report(o->hup_pid > 0 ? "reload" : "ratings", rate, rt.ok, "rating");
	lat_summary(&g.lat, "", e2e, sizeof(e2e));
	lat_summary(&rt.http_lat, "http_", http, sizeof(http));
	printf("%s rate=%d sent=%" PRIu64 " ok=%" PRIu64 " failed=%" PRIu64
	    " conn_errors=%" PRIu64 " s2xx=%" PRIu64 " s4xx=%" PRIu64 " s5xx=%"
	    PRIu64 " achieved_per_s=%.0f admins=%d ws_msgs=%" PRIu64
	    " deliveries=%zu "
	    "missing=%" PRId64 " %s %s admin_dropped=%d users=%d "
	    "user_dropped=%d hups=%d unmatched=%" PRIu64 " resyncs=%" PRIu64
	    "\n",
	    o->hup_pid > 0 ? "reload" : "ratings", rate, rs.due_sent, rt.ok,
	    rt.failed, g.conn_errors, rt.status_hist[2], rt.status_hist[4],
	    rt.status_hist[5], rt_achieved(),
	    adm->ready, g.msgs, g.lat.n, (int64_t)(rt.ok * (uint64_t)adm->ready -
	    g.lat.n), e2e, http, adm->dropped - adm_drop, usr ? usr->ready : 0,
	    usr ? usr->dropped - usr_drop : 0, rs.hups, g.unmatched,
	    g.resyncs);
	fflush(stdout);
}

static int
rt_ws_settled(void)
{
	for (int i = 0; i < nws_targets; i++)
		if (ws_targets[i]->started < ws_targets[i]->want ||
		    ws_targets[i]->inflight > 0)
			return 0;
	return 1;
}

static int
ratings_main(struct ratings_opts *o)
{
	struct ws_target *adm, *usr = NULL;
	char path[512];
	int64_t dur = (int64_t)o->step_ms * MS;

	if (url_parse(o->url, "http://", path, sizeof(path)) == -1)
		return 1;
	rt.nraters = o->raters;
	rt.token = calloc((size_t)o->raters, sizeof(*rt.token));
	rt.id = calloc((size_t)o->raters, sizeof(*rt.id));
	rt.nhttp = o->http_conns;
	rt.http = calloc((size_t)o->http_conns, sizeof(*rt.http));
	if (rt.token == NULL || rt.id == NULL || rt.http == NULL)
		fatal("calloc");
	for (int i = 0; i < rt.nhttp; i++)
		if ((rt.http[i] = http_open(rt_state_done)) == NULL)
			return 1;
	if (rt_create_raters() == -1)
		return 1;
	for (int i = 0; i < rt.nhttp; i++)
		rt.http[i]->http->done = rt_rating_done;

	adm = ws_target_new("/ws/admin", o->admin_headers, READY_HELLO,
	    o->admins);
	adm->want = o->admins;
	if (o->users > 0) {
		usr = ws_target_new("/ws/user", "", READY_HELLO, o->users);
		usr->want = o->users;
	}
	loop_run(now_ns() + 120 * NS, rt_ws_settled);
	printf("connect admins=%d/%d users=%d/%d\n", adm->ready, o->admins,
	    usr ? usr->ready : 0, o->users);
	fflush(stdout);
	if (adm->ready < o->admins || (usr && usr->ready < o->users))
		return 1;
	loop_run(now_ns() + 500 * MS, NULL);
	g.mode.on_message = rt_on_message;

	for (int i = 0; i < o->nrates && !stop_requested; i++) {
		if (rt.next_pair + (size_t)((double)o->rates[i] * (double)dur /
		    NS) > rt.npairs) {
			printf("note out of (rater, meme) pairs at rate=%d\n",
			    o->rates[i]);
			break;
		}
		rt_step(o, adm, usr, o->rates[i], dur);
		/* Past saturation every further step only measures a queue. */
		if (o->hup_pid <= 0 && lat_q(&g.lat, 0.99, 1) > o->p99_limit_ms &&
		    rt_achieved() < 0.9 * o->rates[i])
			break;
		loop_run(now_ns() + 500 * MS, NULL);
	}
	ws_target_resize(adm, 0, 5 * NS);
	if (usr != NULL)
		ws_target_resize(usr, 0, 5 * NS);
	return 0;
}

/* --- main ------------------------------------------------------------------------ */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
"usage: wsload push -u ws://IP:PORT/PATH -p nchan:http://IP:PORT/PUB | memeter\n"
"          [-r hello|open] [-l 1000,5000,10000] [-f 10000,1000] [-e events]\n"
"          [-g gap_ms] [-R rates] [-n rate_clients] [-s step_ms] [-L p99_ms]\n"
"          [-t hold_ms] [-H header] [-P name=pid,...] [-S session_id]\n"
"          [-b nsrc] [-w window] [-O origin] [-j procs] [-v]\n"
"       wsload ratings -u http://IP:PORT [-a admins] [-U users] [-c raters]\n"
"          [-C http_conns] [-R rates] [-s step_ms] [-L p99_ms] [-H admin header]\n"
"          [-K pid -k every_ms -N count] [-b nsrc] [-v]\n"
"  push:    memeter publishes an events row + notify (MEMETER_CONFIG);\n"
"           Nchan an HTTP POST.  Output: one \"tag key=value\" line each.\n"
"           -j: client processes holding the idle and fan-out clients\n"
"           (each under the file limit); latencies over all samples.\n");
	exit(2);
}

/* Appends "H: v\r\n" to a header block. */
static void
header_add(char *block, size_t len, const char *h)
{
	size_t n = strlen(block);

	snprintf(block + n, len - n, "%s\r\n", h);
}

static int	 extra_mode(const char *);
static int	 extra_main(int, char *[]);

int
main(int argc, char *argv[])
{
	static char headers[2048];
	struct push_opts po = { .ready_on = READY_HELLO, .events = 10,
	    .gap_ms = 200, .step_ms = 3000, .p99_limit_ms = 100,
	    .hold_ms = 2000 };
	struct ratings_opts ro = { .admins = 100, .raters = 1000,
	    .http_conns = 32, .step_ms = 4000, .p99_limit_ms = 20,
	    .hup_every_ms = 1000, .hup_count = 30 };
	const char *cmd;
	int ch, ratings, rc;

	if (argc < 2)
		usage();
	if (extra_mode(argv[1]))
		return extra_main(argc, argv);
	cmd = argv[1];
	ratings = strcmp(cmd, "ratings") == 0;
	if (!ratings && strcmp(cmd, "push") != 0)
		usage();
	log_init("wsload");
	g.nsrc = 1;
	g.window = 256;
	optind = 2;
	while ((ch = getopt(argc, argv,
	    "u:p:r:l:f:e:g:R:n:s:L:t:H:P:b:w:va:U:c:C:K:k:N:S:O:j:")) != -1) {
		switch (ch) {
		case 'u': po.url = ro.url = optarg; break;
		case 'p': po.pub = optarg; break;
		case 'r': po.ready_on = strcmp(optarg, "open") == 0 ?
		    READY_OPEN : READY_HELLO; break;
		case 'l': po.nlevels = parse_list(optarg, po.levels, 8); break;
		case 'f': po.nfanout = parse_list(optarg, po.fanout, 8); break;
		case 'e': po.events = atoi(optarg); break;
		case 'g': po.gap_ms = atoi(optarg); break;
		case 'R':
			po.nrates = ro.nrates = parse_list(optarg, po.rates, 32);
			memcpy(ro.rates, po.rates, sizeof(ro.rates));
			break;
		case 'n': po.rate_n = atoi(optarg); break;
		case 's': po.step_ms = ro.step_ms = atoi(optarg); break;
		case 'L': po.p99_limit_ms = ro.p99_limit_ms = atof(optarg); break;
		case 't': po.hold_ms = atoi(optarg); break;
		case 'H': header_add(headers, sizeof(headers), optarg); break;
		case 'P': procset_add(optarg); break;
		case 'b': g.nsrc = atoi(optarg); break;
		case 'w': g.window = atoi(optarg); break;
		case 'j': procs.n = atoi(optarg); break;
		case 'v': g.verbose = 1; break;
		case 'a': ro.admins = atoi(optarg); break;
		case 'U': ro.users = atoi(optarg); break;
		case 'c': ro.raters = atoi(optarg); break;
		case 'C': ro.http_conns = atoi(optarg); break;
		case 'K': ro.hup_pid = (pid_t)atoi(optarg); break;
		case 'k': ro.hup_every_ms = atoi(optarg); break;
		case 'N': ro.hup_count = atoi(optarg); break;
		case 'S': pub.session_id = atoll(optarg); break;
		case 'O':
			snprintf(g.origin, sizeof(g.origin), "%s", optarg);
			g.origin_set = 1;
			break;
		default: usage();
		}
	}
	po.headers = ro.admin_headers = headers;
	if (po.url == NULL || (!ratings && po.pub == NULL) || po.nlevels < 0 ||
	    po.nfanout < 0 || po.nrates < 0 || g.nsrc < 1 || g.nsrc > 250 ||
	    po.gap_ms < 1 || po.step_ms < 100 || ro.raters < 1 ||
	    ro.http_conns < 1 || g.window < 1 || procs.n < 1 ||
	    procs.n > MAX_PROCS || (ratings && procs.n > 1))
		usage();
	if (pub.session_id <= 0)
		pub.session_id = 1;
	if (po.rate_n == 0)
		po.rate_n = po.nlevels ? po.levels[0] : 1000;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	srandom((unsigned)getpid());
	ws_accept_init();
	clock_offset_init();
	if ((g.rbuf = malloc(READ_CHUNK)) == NULL)
		fatal("malloc");
	if ((g.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	rc = ratings ? ratings_main(&ro) : push_main(&po);
	printf("done rc=%d\n", rc);
	return rc;
}

/* --- show mode: reactions while a host-paced round is open (issue 13) ----- */

/*
 * wsload show: phones send POST /api/reactions, each at its own steady
 * rate and spread evenly over the second (open loop: reaction j is due at
 * start + j / (phones * rate) and goes to phone j % phones), while other
 * raters rate the open meme at a steady rate as in the ratings mode and
 * one /ws/admin client plays the big screen: it counts the reactions
 * messages pushd sends (at most 4 a second by design) and sums their
 * counts, which must add up to the reactions the server accepted.  A
 * first step without reactions gives the same rating rate's latency
 * alone, so the reactions' cost on the rating path is a difference
 * within one run.
 */

#define SHOW_EMOJIS	6

static void	 extra_usage(void) __attribute__((noreturn));

static const char *const show_emojis[SHOW_EMOJIS] = {
	"\xf0\x9f\x98\x82", "\xf0\x9f\x94\xa5", "\xf0\x9f\x92\x80",
	"\xf0\x9f\x91\x8f", "\xf0\x9f\x98\x8d", "\xf0\x9f\xa4\x94",
};

struct show_opts {
	const char	*url;
	const char	*admin_headers;
	int		 phones;
	double		 per_phone;	/* reactions a second, each phone */
	int		 react_conns;
	int		 rating_rate;
	int		 rating_conns;
	int		 step_ms;
	int64_t		 meme_id;	/* the open meme */
	int		 quiet_step;	/* a ratings-only step first */
};

static struct {
	struct conn	**http;
	int		 nhttp;
	int		 phones;
	int		 on;		/* sending reactions in this step */
	double		 rate;		/* reactions a second in all */
	int64_t		 start, end;
	uint64_t	 target, sent, answered, ok, s429, failed;
	uint64_t	 sent_by[SHOW_EMOJIS], ok_by[SHOW_EMOJIS];
	struct lat	 http_lat;
	/* at the screen */
	int64_t		*msg_at;
	size_t		 nmsg, capmsg;
	uint64_t	 counted, counted_by[SHOW_EMOJIS];
} sh;

static void
show_react_done(struct conn *c, int status, uint64_t tag, int64_t t0,
    const char *hdrs, size_t hlen, const char *body, size_t blen)
{
	(void)c; (void)hdrs; (void)hlen;
	sh.answered++;
	if (status == 202) {
		sh.ok++;
		sh.ok_by[tag % SHOW_EMOJIS]++;
		lat_add(&sh.http_lat, now_ns() - t0);
	} else if (status == 429)
		sh.s429++;
	else {
		sh.failed++;
		if (g.verbose)
			log_warnx("POST /api/reactions: %d %.*s", status,
			    (int)blen, body ? body : "");
	}
}

static void
show_react_send(struct conn *c, uint64_t j, int64_t t_sched)
{
	char extra[256], body[64];
	int phone = (int)(j % (uint64_t)sh.phones);
	int e = (int)((j / (uint64_t)sh.phones + (uint64_t)phone) %
	    SHOW_EMOJIS);

	snprintf(extra, sizeof(extra), "Cookie: mr_rater=%s\r\n",
	    rt.token[phone]);
	snprintf(body, sizeof(body), "{\"emoji\":\"%s\"}", show_emojis[e]);
	sh.sent_by[e]++;
	/* The tag carries the emoji: the answer counts it as accepted. */
	(void)http_request(c, "POST", "/api/reactions", extra, body,
	    (uint64_t)e, t_sched);
}

static int64_t
show_react_tick(int64_t now)
{
	uint64_t due;

	if (!sh.on)
		return now + 100 * MS;
	due = now >= sh.end ? sh.target : (uint64_t)((double)(now - sh.start) *
	    sh.rate / NS) + 1;
	if (due > sh.target)
		due = sh.target;
	for (int i = 0; i < sh.nhttp && sh.sent < due; i++) {
		struct conn *c = sh.http[i];

		if (c->state == ST_CLOSED) {
			free(c->http->body);
			free(c->http);
			free(c);
			sh.http[i] = c = http_open(show_react_done);
			if (c == NULL)
				fatalx("cannot reopen an HTTP connection");
		}
		if (http_busy(c))
			continue;
		show_react_send(c, sh.sent, sh.start + (int64_t)((double)sh.sent *
		    NS / sh.rate));
		sh.sent++;
	}
	if (sh.sent < due)
		return now + 100 * MS;	/* every connection busy */
	return sh.start + (int64_t)((double)sh.sent * NS / sh.rate);
}

static int64_t
show_tick(int64_t now)
{
	int64_t a = rt_tick(now), b = show_react_tick(now);

	return a < b ? a : b;
}

/* {"type":"reactions","data":{"session_id":S,"counts":{"E":n,...}}} */
static void
show_on_message(struct conn *c, const char *p, size_t len, int64_t now)
{
	static const char ckey[] = "\"counts\":{";
	const char *k, *end;

	if (memmem(p, len, "\"type\":\"reactions\"", 18) == NULL) {
		rt_on_message(c, p, len, now);
		return;
	}
	if (sh.nmsg == sh.capmsg) {
		sh.capmsg = sh.capmsg ? sh.capmsg * 2 : 1024;
		sh.msg_at = xrealloc(sh.msg_at, sh.capmsg * sizeof(*sh.msg_at));
	}
	sh.msg_at[sh.nmsg++] = now;
	if ((k = memmem(p, len, ckey, sizeof(ckey) - 1)) == NULL)
		return;
	k += sizeof(ckey) - 1;
	end = memchr(k, '}', (size_t)(p + len - k));
	while (k != NULL && end != NULL && k < end) {
		const char *q = memchr(k, '"', (size_t)(end - k)), *r;
		int64_t n;

		if (q == NULL || (r = memchr(q + 1, '"', (size_t)(end - q -
		    1))) == NULL)
			break;
		n = json_int_after(r + 1, (size_t)(end - r - 1), ":");
		for (int e = 0; e < SHOW_EMOJIS && n > 0; e++)
			if ((size_t)(r - q - 1) == strlen(show_emojis[e]) &&
			    memcmp(q + 1, show_emojis[e], (size_t)(r - q - 1)) == 0)
				sh.counted_by[e] += (uint64_t)n;
		if (n > 0)
			sh.counted += (uint64_t)n;
		k = memchr(r, ',', (size_t)(end - r));
	}
}

/* The most reactions messages within any one second (a sliding window). */
static size_t
show_max_per_s(void)
{
	size_t best = 0, lo = 0;

	for (size_t hi = 0; hi < sh.nmsg; hi++) {
		while (sh.msg_at[hi] - sh.msg_at[lo] >= NS)
			lo++;
		if (hi - lo + 1 > best)
			best = hi - lo + 1;
	}
	return best;
}

static int
show_answered(void)
{
	return rt.answered >= rs.due_sent && sh.answered >= sh.sent;
}

static int
show_drained(void)
{
	return rt.answered >= rs.due_sent && g.lat.n >= rt_expect_msgs &&
	    sh.answered >= sh.sent && sh.counted >= sh.ok;
}

static void
show_step(struct show_opts *o, struct ws_target *adm, int reactions)
{
	char e2e[160], http[160], rhttp[160];
	int64_t dur = (int64_t)o->step_ms * MS;
	int adm_drop = adm->dropped;
	uint64_t lost = 0;

	measure_reset();
	rt.ok = rt.failed = rt.answered = 0;
	g.conn_errors = 0;
	memset(rt.status_hist, 0, sizeof(rt.status_hist));
	rt.http_lat.n = 0;
	rs.rate = o->rating_rate;
	rs.start = sh.start = now_ns();
	rs.end = sh.end = rs.start + dur;
	rs.target = (uint64_t)((double)o->rating_rate * (double)dur / NS);
	rs.due_sent = 0;
	rs.hups_left = 0;
	rt_expect_msgs = ~0ull;
	sh.on = reactions;
	sh.rate = o->per_phone * o->phones;
	sh.target = reactions ? (uint64_t)(sh.rate * (double)dur / NS) : 0;
	sh.sent = sh.answered = sh.ok = sh.s429 = sh.failed = 0;
	memset(sh.sent_by, 0, sizeof(sh.sent_by));
	memset(sh.ok_by, 0, sizeof(sh.ok_by));
	memset(sh.counted_by, 0, sizeof(sh.counted_by));
	sh.nmsg = 0;
	sh.counted = 0;
	sh.http_lat.n = 0;
	g.mode.tick = show_tick;
	cpu_mark();
	loop_run(rs.end, NULL);
	while ((rs.due_sent < rs.target || sh.sent < sh.target) &&
	    !stop_requested)
		loop_run(now_ns() + 10 * MS, NULL);
	loop_run(now_ns() + 10 * NS, show_answered);
	g.mode.tick = NULL;
	sh.on = 0;
	rt_expect_msgs = rt.ok * (uint64_t)adm->ready;
	/* The last sum comes at most 250 ms after the last reaction. */
	loop_run(now_ns() + 5 * NS, show_drained);
	cpu_report(reactions ? "show" : "quiet", o->phones, reactions ? sh.ok :
	    rt.ok, reactions ? "reaction" : "rating");
	for (int e = 0; e < SHOW_EMOJIS; e++)
		if (sh.counted_by[e] < sh.ok_by[e])
			lost += sh.ok_by[e] - sh.counted_by[e];
	lat_summary(&g.lat, "", e2e, sizeof(e2e));
	lat_summary(&rt.http_lat, "http_", http, sizeof(http));
	lat_summary(&sh.http_lat, "react_http_", rhttp, sizeof(rhttp));
	printf("show phase=%s phones=%d reactions_per_s=%.0f reactions_sent=%"
	    PRIu64 " reactions_ok=%" PRIu64 " reactions_429=%" PRIu64
	    " reactions_failed=%" PRIu64 " screen_msgs=%zu screen_max_per_s=%zu"
	    " screen_counted=%" PRIu64 " screen_lost=%" PRIu64 " %s"
	    " rating_rate=%d ratings_sent=%" PRIu64 " ratings_ok=%" PRIu64
	    " ratings_failed=%" PRIu64 " conn_errors=%" PRIu64
	    " achieved_per_s=%.0f deliveries=%zu missing=%" PRId64 " %s %s"
	    " admin_dropped=%d unmatched=%" PRIu64 "\n",
	    reactions ? "reactions" : "quiet", o->phones, reactions ? sh.rate : 0,
	    sh.sent, sh.ok, sh.s429, sh.failed, sh.nmsg, show_max_per_s(),
	    sh.counted, lost, rhttp, o->rating_rate, rs.due_sent, rt.ok,
	    rt.failed, g.conn_errors, rt_achieved(), g.lat.n,
	    (int64_t)(rt.ok * (uint64_t)adm->ready - g.lat.n), e2e, http,
	    adm->dropped - adm_drop, g.unmatched);
	fflush(stdout);
}

/* Puts the open meme first: every rating of a step goes to memes[0]. */
static int
show_open_meme_first(int64_t meme_id)
{
	int i;

	for (i = 0; i < rt.nmemes && rt.memes[i] != meme_id; i++)
		;
	if (i == rt.nmemes)
		return -1;
	rt.memes[i] = rt.memes[0];
	rt.memes[0] = meme_id;
	memset(rt.meme_by_id, 0, sizeof(rt.meme_by_id));
	for (i = 0; i < rt.nmemes; i++)
		if (rt.memes[i] > 0 && rt.memes[i] < 4096)
			rt.meme_by_id[rt.memes[i]] = i + 1;
	return 0;
}

static int
show_run(struct show_opts *o)
{
	struct ws_target *adm;
	char path[512];
	int steps = o->quiet_step ? 2 : 1;
	uint64_t per_step = (uint64_t)((double)o->rating_rate * o->step_ms /
	    1000.0);

	if (url_parse(o->url, "http://", path, sizeof(path)) == -1)
		return 1;
	/* Phones first, then the raters of the open meme, one rating each. */
	rt.nraters = o->phones + (int)per_step * steps;
	rt.token = calloc((size_t)rt.nraters, sizeof(*rt.token));
	rt.id = calloc((size_t)rt.nraters, sizeof(*rt.id));
	rt.nhttp = o->rating_conns;
	rt.http = calloc((size_t)rt.nhttp, sizeof(*rt.http));
	sh.nhttp = o->react_conns;
	sh.http = calloc((size_t)sh.nhttp, sizeof(*sh.http));
	sh.phones = o->phones;
	if (rt.token == NULL || rt.id == NULL || rt.http == NULL ||
	    sh.http == NULL)
		fatal("calloc");
	for (int i = 0; i < rt.nhttp; i++)
		if ((rt.http[i] = http_open(rt_state_done)) == NULL)
			return 1;
	for (int i = 0; i < sh.nhttp; i++)
		if ((sh.http[i] = http_open(show_react_done)) == NULL)
			return 1;
	if (rt_create_raters() == -1)
		return 1;
	if (show_open_meme_first(o->meme_id) == -1) {
		printf("error meme %" PRId64 " is not in the session\n",
		    o->meme_id);
		return 1;
	}
	for (int i = 0; i < rt.nhttp; i++)
		rt.http[i]->http->done = rt_rating_done;
	rt.next_pair = (size_t)o->phones;

	adm = ws_target_new("/ws/admin", o->admin_headers, READY_HELLO, 1);
	adm->want = 1;
	loop_run(now_ns() + 30 * NS, rt_ws_settled);
	printf("connect admins=%d/1\n", adm->ready);
	fflush(stdout);
	if (adm->ready < 1)
		return 1;
	loop_run(now_ns() + 500 * MS, NULL);
	g.mode.on_message = show_on_message;
	if (o->quiet_step) {
		show_step(o, adm, 0);
		loop_run(now_ns() + 500 * MS, NULL);
	}
	show_step(o, adm, 1);
	ws_target_resize(adm, 0, 5 * NS);
	return 0;
}

static int
show_main(int argc, char *argv[])
{
	static char headers[2048];
	struct show_opts o = { .phones = 1000, .per_phone = 1,
	    .react_conns = 32, .rating_rate = 200, .rating_conns = 16,
	    .step_ms = 10000, .quiet_step = 1 };
	int ch;

	optind = 2;
	while ((ch = getopt(argc, argv, "u:H:n:r:C:R:c:s:m:P:qv")) != -1) {
		switch (ch) {
		case 'u': o.url = optarg; break;
		case 'H': header_add(headers, sizeof(headers), optarg); break;
		case 'n': o.phones = atoi(optarg); break;
		case 'r': o.per_phone = atof(optarg); break;
		case 'C': o.react_conns = atoi(optarg); break;
		case 'R': o.rating_rate = atoi(optarg); break;
		case 'c': o.rating_conns = atoi(optarg); break;
		case 's': o.step_ms = atoi(optarg); break;
		case 'm': o.meme_id = atoll(optarg); break;
		case 'P': procset_add(optarg); break;
		case 'q': o.quiet_step = 0; break;
		case 'v': g.verbose = 1; break;
		default: extra_usage();
		}
	}
	o.admin_headers = headers;
	if (o.url == NULL || o.phones < 1 || o.per_phone <= 0 ||
	    o.react_conns < 1 || o.rating_rate < 1 || o.rating_conns < 1 ||
	    o.step_ms < 100 || o.meme_id <= 0)
		extra_usage();
	return show_run(&o);
}

/* --- cluster modes: fan-out over edges from the writer's commit (issue 15) */

/*
 * wsload publish and wsload listen: the cluster's fan-out, measured with
 * one listening process per edge (each under the 20,000-file cap) and one
 * publisher on the writer.  The publisher commits each event to the real
 * outbox as push mode does (one transaction in the writer's database;
 * the relay tails it into Redis) and writes "seq t0" to a file, t0 taken
 * before BEGIN on CLOCK_MONOTONIC, which every process on the machine
 * shares; "end" when it is done.  A listener holds N /ws/user clients of
 * one edge, keeps each delivery's kernel receive time and, at the end,
 * joins them with the publisher's file into latencies.
 */

struct cluster_opts {
	const char	*url;
	const char	*t0_path;
	const char	*lat_path;	/* listen -o: "us seq", a line a delivery */
	int		 clients;
	int		 events;
	int		 gap_ms;
	int		 drain_ms;
};

static struct {
	int64_t		*seq, *at;	/* every delivery */
	size_t		 n, cap;
	int64_t		 end_seen;	/* when the publisher's "end" was read */
	int64_t		 next_look;
	uint64_t	 expect;
	const char	*t0_path;
} cl;

static void
listen_on_message(struct conn *c, const char *p, size_t len, int64_t now)
{
	int64_t seq = json_int_after(p, len, "\"seq\":");

	(void)c;
	if (seq <= 0) {
		g.unmatched++;
		return;
	}
	if (cl.n == cl.cap) {
		cl.cap = cl.cap ? cl.cap * 2 : 65536;
		cl.seq = xrealloc(cl.seq, cl.cap * sizeof(*cl.seq));
		cl.at = xrealloc(cl.at, cl.cap * sizeof(*cl.at));
	}
	cl.seq[cl.n] = seq;
	cl.at[cl.n++] = now;
}

/* Reads the publisher's file into pub's table; 1 once it says "end". */
static int
listen_read_t0(void)
{
	char line[128];
	long long seq, t0;
	int end = 0;
	FILE *fp = fopen(cl.t0_path, "r");

	if (fp == NULL)
		return 0;
	pub.n = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "end", 3) == 0)
			end = 1;
		else if (sscanf(line, "%lld %lld", &seq, &t0) == 2)
			pub_record(seq, t0);
	}
	fclose(fp);
	return end;
}

static int64_t
listen_tick(int64_t now)
{
	if (cl.end_seen == 0 && now >= cl.next_look) {
		FILE *fp = fopen(cl.t0_path, "r");
		char line[128];

		/* Only the last line matters here. */
		if (fp != NULL) {
			while (fgets(line, sizeof(line), fp) != NULL)
				if (strncmp(line, "end", 3) == 0)
					cl.end_seen = now;
			fclose(fp);
		}
		cl.next_look = now + 100 * MS;
	}
	return cl.end_seen ? now + 100 * MS : cl.next_look;
}

static struct cluster_opts *cl_opts;

static int
listen_done(void)
{
	return (cl.expect > 0 && cl.n >= cl.expect) || (cl.end_seen > 0 &&
	    now_ns() - cl.end_seen > (int64_t)cl_opts->drain_ms * MS);
}

static int
listen_main(struct cluster_opts *o)
{
	struct ws_target *t;
	char path[512], sum[160];
	int64_t t0 = now_ns();
	int complete = 0, events;
	FILE *lat_fp;

	if (url_parse(o->url, "ws://", path, sizeof(path)) == -1)
		return 1;
	cl.t0_path = o->t0_path;
	cl_opts = o;
	t = ws_target_new(path, "", READY_HELLO, o->clients);
	ws_target_resize(t, o->clients, 300 * NS);
	printf("connect n=%d ready=%d failed=%d secs=%.2f\n", o->clients,
	    t->ready, t->failed, (double)(now_ns() - t0) / NS);
	fflush(stdout);
	if (t->ready < o->clients) {
		printf("error connections failed\n");
		return 1;
	}
	/* A quiet moment so every client is past its hello and presence. */
	loop_run(now_ns() + 500 * MS, NULL);
	measure_reset();
	g.mode.on_message = listen_on_message;
	g.mode.tick = listen_tick;
	cl.expect = (uint64_t)o->clients * (uint64_t)o->events;
	printf("ready n=%d\n", t->ready);
	fflush(stdout);
	loop_run(now_ns() + 600 * NS, listen_done);
	g.mode.tick = NULL;
	if (!listen_read_t0())
		printf("note the publisher's file has no end line\n");
	lat_fp = o->lat_path != NULL ? fopen(o->lat_path, "w") : NULL;
	if (o->lat_path != NULL && lat_fp == NULL)
		log_warn("%s", o->lat_path);
	for (size_t i = 0; i < cl.n; i++) {
		int64_t s = pub_t0(cl.seq[i]);

		if (s == 0) {
			g.unmatched++;
			continue;
		}
		lat_add(&g.lat, cl.at[i] - s);
		if (lat_fp != NULL)
			fprintf(lat_fp, "%" PRIu32 " %" PRId64 "\n",
			    g.lat.v[g.lat.n - 1], cl.seq[i]);
	}
	if (lat_fp != NULL)
		fclose(lat_fp);
	for (int i = 0; i < t->started; i++)
		if (t->conns[i]->state == ST_OPEN &&
		    t->conns[i]->nmsg == (uint32_t)o->events)
			complete++;
	events = 0;
	for (size_t i = 0; i < pub.n; i++)
		if (pub.t0[i] != 0)
			events++;
	lat_summary(&g.lat, "", sum, sizeof(sum));
	printf("fanout n=%d ready=%d events=%d deliveries=%zu missing=%" PRId64
	    " complete_clients=%d %s dropped=%d resyncs=%" PRIu64
	    " unmatched=%" PRIu64 "\n", o->clients, t->ready, events, g.lat.n,
	    (int64_t)t->ready * events - (int64_t)g.lat.n, complete, sum,
	    t->dropped, g.resyncs, g.unmatched);
	fflush(stdout);
	ws_target_resize(t, 0, 5 * NS);
	return 0;
}

static int
publish_main(struct cluster_opts *o)
{
	FILE *fp = fopen(o->t0_path, "w");
	int64_t start;

	if (fp == NULL) {
		log_warn("%s", o->t0_path);
		return 1;
	}
	if (pub_open("memeter") == -1) {
		fclose(fp);
		return 1;
	}
	start = now_ns();
	for (int i = 0; i < o->events && !stop_requested; i++) {
		int64_t due = start + (int64_t)i * o->gap_ms * MS;
		struct timespec ts = { (time_t)(due / NS), (long)(due % NS) };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
		    NULL) == EINTR && !stop_requested)
			;
		if (pub_one() == 0)
			fprintf(fp, "%" PRId64 " %" PRId64 "\n", pub.base +
			    (int64_t)pub.n - 1, pub.t0[pub.n - 1]);
		fflush(fp);
	}
	fprintf(fp, "end\n");
	fclose(fp);
	printf("publish events=%d failed=%" PRIu64 "\n", o->events, pub.failed);
	return pub.failed > 0;
}

static int
cluster_main(int argc, char *argv[])
{
	struct cluster_opts o = { .clients = 1000, .events = 20, .gap_ms = 250,
	    .drain_ms = 10000 };
	int ch, listen = strcmp(argv[1], "listen") == 0;

	optind = 2;
	while ((ch = getopt(argc, argv, "u:T:o:n:e:g:D:b:w:S:O:v")) != -1) {
		switch (ch) {
		case 'u': o.url = optarg; break;
		case 'o': o.lat_path = optarg; break;
		case 'T': o.t0_path = optarg; break;
		case 'n': o.clients = atoi(optarg); break;
		case 'e': o.events = atoi(optarg); break;
		case 'g': o.gap_ms = atoi(optarg); break;
		case 'D': o.drain_ms = atoi(optarg); break;
		case 'b': g.nsrc = atoi(optarg); break;
		case 'w': g.window = atoi(optarg); break;
		case 'S': pub.session_id = atoll(optarg); break;
		case 'O':
			snprintf(g.origin, sizeof(g.origin), "%s", optarg);
			g.origin_set = 1;
			break;
		case 'v': g.verbose = 1; break;
		default: extra_usage();
		}
	}
	if (o.t0_path == NULL || o.events < 1 || o.gap_ms < 1 ||
	    (listen && (o.url == NULL || o.clients < 1)) || g.nsrc < 1 ||
	    g.nsrc > 250 || g.window < 1)
		extra_usage();
	if (pub.session_id <= 0)
		pub.session_id = 1;
	return listen ? listen_main(&o) : publish_main(&o);
}

static void __attribute__((noreturn))
extra_usage(void)
{
	fprintf(stderr,
"usage: wsload show -u http://IP:PORT -H admin-cookie-header -m open_meme_id\n"
"          [-n phones] [-r reactions_per_s_each] [-C reaction_conns]\n"
"          [-R ratings_per_s] [-c rating_conns] [-s step_ms] [-q] [-P name=pid,...]\n"
"       wsload listen -u ws://IP:PORT/ws/user -T t0file [-o latfile] [-n clients]\n"
"          [-e events] [-D drain_ms] [-b nsrc] [-w window] [-O origin]\n"
"       wsload publish -T t0file [-e events] [-g gap_ms] [-S session_id]\n"
"          (the writer's database and notify socket from MEMETER_CONFIG)\n");
	exit(2);
}

static int
extra_mode(const char *cmd)
{
	return strcmp(cmd, "show") == 0 || strcmp(cmd, "listen") == 0 ||
	    strcmp(cmd, "publish") == 0;
}

/* main()'s setup, for the modes after ratings (their own options). */
static int
extra_main(int argc, char *argv[])
{
	int rc;

	log_init("wsload");
	g.nsrc = 1;
	g.window = 256;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	srandom((unsigned)getpid());
	ws_accept_init();
	clock_offset_init();
	if ((g.rbuf = malloc(READ_CHUNK)) == NULL)
		fatal("malloc");
	if ((g.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	rc = strcmp(argv[1], "show") == 0 ? show_main(argc, argv) :
	    cluster_main(argc, argv);
	printf("done rc=%d\n", rc);
	return rc;
}
