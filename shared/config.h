#ifndef MEMETER_CONFIG_H
#define MEMETER_CONFIG_H

#include <stddef.h>

/*
 * One configuration for all memeter programs.  Sources, later ones win:
 * built-in defaults, the file (key = value lines, '#' comments), then the
 * environment (MEMETER_<KEY in upper case>, e.g. MEMETER_DB_PATH).
 * Every key, its default and its meaning are listed in conf/memeter.conf.
 */
struct config {
	char	db_path[512];		/* SQLite database */
	char	fcgi_socket[512];	/* FastCGI listening socket (nginx connects) */
	char	notify_socket[512];	/* pushd's datagram socket (workers send) */
	char	pushd_socket[512];	/* pushd's WebSocket listener (nginx proxies) */
	int	pushd_port;		/* >0: pushd listens on 127.0.0.1:port instead */
	char	pushd_listen[128];	/* ADDRESS:PORT: pushd also serves browsers there */
	char	pushd_tls_cert[512];	/* PEM: with the key, pushd_listen is wss */
	char	pushd_tls_key[512];
	int	pushd_ws_per_addr;	/* WebSockets per peer address on pushd_listen */
	char	ws_url[256];		/* the pages' WebSocket base; "" = their origin */
	int	pushd_processes;	/* pushd: >1: a master and this many children */
	char	metrics_socket[512];	/* pushd's Prometheus endpoint */
	char	control_socket[512];	/* the pool master's status socket */
	char	media_dir[512];		/* uploaded and library images, served by nginx */
	char	library_dir[512];	/* folder that "populate" reads */
	char	media_url[128];		/* URL prefix of media_dir */
	char	site_origin[1024];	/* allowed Origins (space-separated) */
	char	public_url[512];	/* what raters open; "" = the host's own */
	int	join_burst;		/* raters one address may create at once */
	int	join_rate;		/* and then per second */
	char	admin_password[256];	/* if set, becomes the admin password at start */
	char	log_level[16];
	int	workers;		/* FastCGI worker processes */
	int	max_upload_bytes;	/* per uploaded file */
	int	event_retention;	/* events kept for replay */
	int	admin_session_hours;
	int	ping_seconds;		/* pushd: ping idle clients after */
	int	hangup_seconds;		/* pushd: drop clients silent for */
	int	send_queue;		/* pushd: messages kept per ring */
	char	source[16];		/* pushd: "sqlite" (the outbox) or "redis" (an edge) */
	char	redis_url[256];		/* relay, edge pushd: redis://host:port */
	char	redis_stream[128];	/* the stream's key; others derive from it */
	char	fcgi_listen[128];	/* host:port: the pool listens on TCP instead */
	char	fcgi_allow[512];	/* peers allowed on fcgi_listen (IPv4, commas) */
};

/* Fills cfg with the defaults. */
void config_defaults(struct config *cfg);

/*
 * Reads path (NULL or a missing file with must_exist == 0: defaults only)
 * and then the environment.  On error returns -1 with a message naming the
 * key (and line) in err.
 */
int config_load(struct config *cfg, const char *path, int must_exist,
    char *err, size_t errlen);

/* Sets one key from text; -1 with a message in err for an unknown key or a
 * bad value. */
int config_set(struct config *cfg, const char *key, const char *value,
    char *err, size_t errlen);

/*
 * Splits pushd_listen's "a.b.c.d:port" or "[v6]:port" into the address
 * (into host, hostlen bytes) and the port (1..65535): 0, or -1 when it is
 * neither.
 */
int config_parse_listen(const char *s, char *host, size_t hostlen, int *port);

/* 1 if url is ws:// or wss://, a host, an optional port, and no path but
 * an empty one or "/". */
int config_ws_url_ok(const char *url);

/* The config file path: $MEMETER_CONFIG, else the installed default. */
const char *config_default_path(void);

/* Writes every key = value to a stream-like callback (for --help/status). */
void config_dump(const struct config *cfg, void (*emit)(const char *key,
    const char *value, void *arg), void *arg);

#endif
