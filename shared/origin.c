#include "origin.h"

#include <ctype.h>
#include <string.h>

#include "config.h"

/* The port text after ':' that the scheme implies, so it can be dropped. */
static const char *
default_port(const char *scheme, size_t scheme_len)
{
	if (scheme_len == 4 && strncmp(scheme, "http", 4) == 0)
		return "80";
	if (scheme_len == 5 && strncmp(scheme, "https", 5) == 0)
		return "443";
	return NULL;
}

static int
append_lower(char *out, size_t len, size_t *o, const char *s, size_t n)
{
	if (*o + n >= len)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[(*o)++] = (char)tolower((unsigned char)s[i]);
	out[*o] = '\0';
	return 0;
}

int
origin_canonical(const char *url, char *out, size_t len)
{
	const char *sep, *host, *end, *colon, *dport;
	char scheme[8];
	size_t scheme_len, host_len, o = 0;

	if (url == NULL || (sep = strstr(url, "://")) == NULL)
		return -1;
	scheme_len = (size_t)(sep - url);
	if (scheme_len == 0 || scheme_len >= sizeof(scheme))
		return -1;
	for (size_t i = 0; i < scheme_len; i++)
		scheme[i] = (char)tolower((unsigned char)url[i]);
	scheme[scheme_len] = '\0';
	if ((dport = default_port(scheme, scheme_len)) == NULL)
		return -1;
	host = sep + 3;
	end = host + strcspn(host, "/?#");
	/* userinfo has no place in an origin, and would hide the real host. */
	if (memchr(host, '@', (size_t)(end - host)) != NULL || end == host)
		return -1;
	/* The port colon is the last one outside an IPv6 literal's brackets. */
	colon = NULL;
	for (const char *c = end; c > host; c--)
		if (c[-1] == ']')
			break;
		else if (c[-1] == ':') {
			colon = c - 1;
			break;
		}
	host_len = (size_t)((colon != NULL ? colon : end) - host);
	if (host_len == 0)
		return -1;
	if (append_lower(out, len, &o, scheme, scheme_len) == -1 ||
	    append_lower(out, len, &o, "://", 3) == -1 ||
	    append_lower(out, len, &o, host, host_len) == -1)
		return -1;
	if (colon != NULL) {
		const char *port = colon + 1;
		size_t port_len = (size_t)(end - port);

		for (size_t i = 0; i < port_len; i++)
			if (!isdigit((unsigned char)port[i]))
				return -1;
		while (port_len > 1 && port[0] == '0') {
			port++;
			port_len--;
		}
		if (port_len > 0 && !(port_len == strlen(dport) &&
		    strncmp(port, dport, port_len) == 0) &&
		    (append_lower(out, len, &o, ":", 1) == -1 ||
		    append_lower(out, len, &o, port, port_len) == -1))
			return -1;
	}
	return 0;
}

int
origin_in_list(const char *url, const char *list)
{
	char want[ORIGIN_MAX], item[ORIGIN_MAX], have[ORIGIN_MAX];
	const char *p;
	size_t n;

	if (list == NULL || origin_canonical(url, want, sizeof(want)) == -1)
		return 0;
	for (p = list; *p != '\0'; p += n) {
		p += strspn(p, " ,\t");
		n = strcspn(p, " ,\t");
		if (n == 0 || n >= sizeof(item))
			continue;
		memcpy(item, p, n);
		item[n] = '\0';
		if (origin_canonical(item, have, sizeof(have)) == 0 &&
		    strcmp(want, have) == 0)
			return 1;
	}
	return 0;
}

int
origin_accepted(const struct config *cfg, const char *url)
{
	return origin_in_list(url, cfg->site_origin) ||
	    (cfg->public_url[0] != '\0' && origin_in_list(url, cfg->public_url));
}
