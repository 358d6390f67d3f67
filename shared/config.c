#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum config_type { CONFIG_STRING, CONFIG_INT };

struct config_key {
	const char	*name;
	enum config_type type;
	size_t		 offset;
	size_t		 size;		/* buffer size for strings */
	const char	*defval;
	long		 min, max;	/* range for ints */
};

#define STR(f, d)		{ #f, CONFIG_STRING, offsetof(struct config, f), \
				  sizeof(((struct config *)0)->f), d, 0, 0 }
#define INT(f, d, lo, hi)	{ #f, CONFIG_INT, offsetof(struct config, f), \
				  sizeof(int), d, lo, hi }

static const struct config_key config_keys[] = {
	STR(db_path,		"/var/lib/memeter/memeter.db"),
	STR(fcgi_socket,	"/run/memeter/fcgi.sock"),
	STR(notify_socket,	"/run/memeter/notify.sock"),
	STR(pushd_socket,	"/run/memeter/pushd.sock"),
	INT(pushd_port,		"0", 0, 65535),
	STR(pushd_listen,	""),
	STR(pushd_tls_cert,	""),
	STR(pushd_tls_key,	""),
	INT(pushd_ws_per_addr,	"500", 1, 1000000),
	STR(ws_url,		""),
	INT(pushd_processes,	"1", 1, 64),
	STR(metrics_socket,	"/run/memeter/metrics.sock"),
	STR(control_socket,	"/run/memeter/control.sock"),
	STR(media_dir,		"/var/lib/memeter/media"),
	STR(library_dir,	"/var/lib/memeter/library"),
	STR(media_url,		"/media"),
	STR(site_origin,	"http://127.0.0.1:8080"),
	STR(public_url,		""),
	INT(join_burst,		"100", 1, 100000),
	INT(join_rate,		"20", 1, 100000),
	STR(admin_password,	""),
	STR(log_level,		"info"),
	INT(workers,		"2", 1, 256),
	INT(max_upload_bytes,	"10485760", 1024, 1073741824),
	INT(event_retention,	"100000", 100, 100000000),
	INT(admin_session_hours, "12", 1, 8760),
	INT(ping_seconds,	"20", 1, 3600),
	INT(hangup_seconds,	"45", 2, 7200),
	INT(send_queue,		"1024", 16, 1048576),
	STR(source,		"sqlite"),
	STR(redis_url,		"redis://127.0.0.1:6379"),
	STR(redis_stream,	"memeter:events"),
	STR(fcgi_listen,	""),
	STR(fcgi_allow,		""),
};
#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static int config_check_direct(const struct config *, char *, size_t);

static const struct config_key *
config_find(const char *name)
{
	for (size_t i = 0; i < CONFIG_NKEYS; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

static int
config_apply(struct config *cfg, const struct config_key *k, const char *value,
    char *err, size_t errlen)
{
	char *field = (char *)cfg + k->offset;
	char *end;
	long n;

	if (k->type == CONFIG_STRING) {
		if (strlen(value) >= k->size) {
			snprintf(err, errlen, "%s: value longer than %zu bytes",
			    k->name, k->size - 1);
			return -1;
		}
		memcpy(field, value, strlen(value) + 1);
		return 0;
	}
	errno = 0;
	n = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || n < k->min ||
	    n > k->max) {
		snprintf(err, errlen, "%s: \"%s\" is not a whole number from "
		    "%ld to %ld", k->name, value, k->min, k->max);
		return -1;
	}
	*(int *)(void *)field = (int)n;
	return 0;
}

int
config_set(struct config *cfg, const char *key, const char *value,
    char *err, size_t errlen)
{
	const struct config_key *k = config_find(key);

	if (k == NULL) {
		snprintf(err, errlen, "%s: unknown key", key);
		return -1;
	}
	return config_apply(cfg, k, value, err, errlen);
}

void
config_defaults(struct config *cfg)
{
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < CONFIG_NKEYS; i++)
		(void)config_apply(cfg, &config_keys[i], config_keys[i].defval,
		    err, sizeof(err));
}

static char *
config_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int
config_read_file(struct config *cfg, FILE *fp, const char *path, char *err,
    size_t errlen)
{
	char line[1024], msg[384];
	int lineno = 0;

	while (fgets(line, sizeof(line), fp) != NULL) {
		char *eq, *key, *value, *hash;

		lineno++;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		key = config_trim(line);
		if (*key == '\0')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected \"key = value\"",
			    path, lineno);
			return -1;
		}
		*eq = '\0';
		key = config_trim(key);
		value = config_trim(eq + 1);
		if (config_set(cfg, key, value, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			return -1;
		}
	}
	return 0;
}

static int
config_read_env(struct config *cfg, char *err, size_t errlen)
{
	char envname[64], msg[384];

	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		const char *value;
		size_t j;

		j = (size_t)snprintf(envname, sizeof(envname), "MEMETER_");
		for (const char *p = config_keys[i].name; *p &&
		    j < sizeof(envname) - 1; p++)
			envname[j++] = (char)toupper((unsigned char)*p);
		envname[j] = '\0';
		if ((value = getenv(envname)) == NULL)
			continue;
		if (config_apply(cfg, &config_keys[i], value, msg,
		    sizeof(msg)) == -1) {
			snprintf(err, errlen, "environment %s: %s", envname, msg);
			return -1;
		}
	}
	return 0;
}

int
config_load(struct config *cfg, const char *path, int must_exist, char *err,
    size_t errlen)
{
	FILE *fp;
	int rc;

	config_defaults(cfg);
	if (path != NULL && *path != '\0') {
		if ((fp = fopen(path, "r")) == NULL) {
			if (must_exist || errno != ENOENT) {
				snprintf(err, errlen, "%s: %s", path,
				    strerror(errno));
				return -1;
			}
		} else {
			rc = config_read_file(cfg, fp, path, err, errlen);
			fclose(fp);
			if (rc == -1)
				return -1;
		}
	}
	if (config_read_env(cfg, err, errlen) == -1)
		return -1;
	if (cfg->hangup_seconds <= cfg->ping_seconds) {
		snprintf(err, errlen, "hangup_seconds: must be greater than "
		    "ping_seconds (%d)", cfg->ping_seconds);
		return -1;
	}
	return config_check_direct(cfg, err, errlen);
}

int
config_parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
	const char *colon, *h = s;
	struct in6_addr addr;
	size_t n;
	char *end;
	long p;

	if (s[0] == '[') {	/* [v6]:port */
		if ((colon = strstr(s, "]:")) == NULL)
			return -1;
		h = s + 1;
		n = (size_t)(colon - h);
		colon++;
	} else {
		if ((colon = strchr(s, ':')) == NULL || strchr(colon + 1, ':'))
			return -1;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= hostlen)
		return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || p < 1 ||
	    p > 65535)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	/* An address, not a name (nothing to resolve at start); IPv6 only
	 * in brackets, brackets only for IPv6. */
	if (inet_pton(s[0] == '[' ? AF_INET6 : AF_INET, host, &addr) != 1)
		return -1;
	*port = (int)p;
	return 0;
}

int
config_ws_url_ok(const char *url)
{
	const char *host, *end, *port;
	size_t n;

	if (strncmp(url, "ws://", 5) == 0)
		host = url + 5;
	else if (strncmp(url, "wss://", 6) == 0)
		host = url + 6;
	else
		return 0;
	n = strcspn(host, "/?#");
	end = host + n;
	if (*end != '\0' && strcmp(end, "/") != 0)
		return 0;	/* the pages add /ws/user: no path of its own */
	if (host[0] == '[') {
		const char *rb = memchr(host, ']', n);

		if (rb == NULL || rb == host + 1)
			return 0;
		port = rb + 1 < end ? rb + 1 : NULL;
		if (port != NULL && *port != ':')
			return 0;
	} else {
		port = memchr(host, ':', n);
		if (port == host)
			return 0;
	}
	if (n == 0 || memchr(host, '@', n) != NULL)
		return 0;
	for (const char *p = host; p < (port != NULL ? port : end); p++)
		if (!isalnum((unsigned char)*p) && strchr(host[0] == '[' ?
		    "[]:." : "-.", *p) == NULL)
			return 0;
	if (port != NULL) {
		const char *d = port + 1;
		long v = 0;

		if (d == end)
			return 0;
		for (; d < end; d++) {
			if (!isdigit((unsigned char)*d) || (v = v * 10 +
			    (*d - '0')) > 65535)
				return 0;
		}
		if (v == 0)
			return 0;
	}
	return 1;
}

/* The direct WebSocket listener's keys, which only make sense together. */
static int
config_check_direct(const struct config *cfg, char *err, size_t errlen)
{
	char host[64];
	int port;

	if (cfg->pushd_listen[0] != '\0' && config_parse_listen(
	    cfg->pushd_listen, host, sizeof(host), &port) == -1) {
		snprintf(err, errlen, "pushd_listen: \"%s\" is not ADDRESS:PORT "
		    "(an IPv4 address, or [IPv6]:PORT)", cfg->pushd_listen);
		return -1;
	}
	if ((cfg->pushd_tls_cert[0] != '\0') != (cfg->pushd_tls_key[0] != '\0')) {
		snprintf(err, errlen, "%s: must be set too (with %s)",
		    cfg->pushd_tls_cert[0] != '\0' ? "pushd_tls_key" :
		    "pushd_tls_cert", cfg->pushd_tls_cert[0] != '\0' ?
		    "pushd_tls_cert" : "pushd_tls_key");
		return -1;
	}
	if (cfg->ws_url[0] != '\0' && !config_ws_url_ok(cfg->ws_url)) {
		snprintf(err, errlen, "ws_url: \"%s\" is not ws://HOST[:PORT] or "
		    "wss://HOST[:PORT]", cfg->ws_url);
		return -1;
	}
	return 0;
}

const char *
config_default_path(void)
{
	const char *p = getenv("MEMETER_CONFIG");

	return p != NULL ? p : "/etc/memeter/memeter.conf";
}

void
config_dump(const struct config *cfg, void (*emit)(const char *, const char *,
    void *), void *arg)
{
	char num[32];

	for (size_t i = 0; i < CONFIG_NKEYS; i++) {
		const char *field = (const char *)cfg + config_keys[i].offset;

		if (strcmp(config_keys[i].name, "admin_password") == 0) {
			emit(config_keys[i].name, *field ? "(set)" : "", arg);
		} else if (config_keys[i].type == CONFIG_STRING) {
			emit(config_keys[i].name, field, arg);
		} else {
			snprintf(num, sizeof(num), "%d",
			    *(const int *)(const void *)field);
			emit(config_keys[i].name, num, arg);
		}
	}
}
