/*
 * pushd/upgrade.c: the checks on a WebSocket upgrade, from the path,
 * Origin, since and Cookie a client sends.  Input: four fields split by
 * '\n' (path, Origin, since, Cookie; a field "-" is absent), then one
 * flag byte (bit 0: pushd is stopping; bit 1: the admin lookup answers
 * "valid").  Beyond not crashing: a grant only for the two paths and
 * their group; an admin grant only with an mr_admin cookie and a lookup
 * that said valid; since granted only if it is all digits; an
 * Origin granted only if absent or one of the site's; every refusal has
 * a 4xx/5xx status and a reason.
 *
 * fuzz-sources: pushd/upgrade.c shared/origin.c shared/cookie.c shared/token.c shared/config.c shared/log.c
 * fuzz-libs: -lcrypto -lcrypt
 */
#include "fuzz.h"

#include "pushd/upgrade.h"
#include "shared/event.h"
#include "shared/log.h"
#include "shared/origin.h"

#define SITE	"http://127.0.0.1:8080 https://party.example"

static int lookups;
static int admin_valid;

static int
admin_lookup(void *arg, const unsigned char hash[32], int64_t *session_id,
    int64_t *expires_at)
{
	(void)arg;
	(void)hash;
	lookups++;
	*session_id = 7;
	*expires_at = 4102444800;	/* 2100 */
	return admin_valid;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERROR);
	return 0;
}

/* The next '\n'-ended field of *p (NUL-terminated in place); NULL for "-". */
static const char *
field(char **p, char *end)
{
	char *s = *p, *nl;

	if (s >= end)
		return NULL;
	if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
		nl = end;
	*nl = '\0';
	*p = nl < end ? nl + 1 : end;
	return strcmp(s, "-") == 0 ? NULL : s;
}

static int
all_digits(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct upgrade_request req = { 0 };
	struct upgrade_grant grant;
	enum upgrade_verdict v;
	char *buf, *p, *end;
	unsigned flags;

	if (size == 0)
		return 0;
	flags = data[size - 1];
	if ((buf = malloc(size)) == NULL)
		return 0;
	memcpy(buf, data, size - 1);
	buf[size - 1] = '\0';
	p = buf;
	end = buf + size - 1;
	req.path = field(&p, end);
	req.origin = field(&p, end);
	req.since = field(&p, end);
	req.cookie = field(&p, end);
	if (req.path == NULL)
		req.path = "";
	req.stopping = flags & 1;
	admin_valid = (flags & 2) != 0;
	lookups = 0;

	memset(&grant, 0xa5, sizeof(grant));
	v = upgrade_check(&req, SITE, admin_lookup, NULL, &grant);
	if (v == UPGRADE_OK) {
		FUZZ_CHECK(!req.stopping);
		FUZZ_CHECK(grant.group == upgrade_path_group(req.path));
		FUZZ_CHECK(grant.group == EVENT_GROUP_USER ||
		    grant.group == EVENT_GROUP_ADMIN);
		FUZZ_CHECK(req.origin == NULL ||
		    origin_in_list(req.origin, SITE));
		FUZZ_CHECK(grant.has_since == (req.since != NULL));
		if (req.since != NULL)
			FUZZ_CHECK(all_digits(req.since) && grant.since >= 0);
		if (grant.group == EVENT_GROUP_ADMIN) {
			FUZZ_CHECK(admin_valid && lookups == 1);
			FUZZ_CHECK(req.cookie != NULL &&
			    strstr(req.cookie, "mr_admin") != NULL);
			FUZZ_CHECK(grant.admin_session_id == 7);
		}
	} else {
		FUZZ_CHECK(upgrade_status(v) >= 400 &&
		    upgrade_status(v) < 600);
		FUZZ_CHECK(upgrade_reason(v) != NULL &&
		    upgrade_reason(v)[0] != '\0');
		if (req.stopping)
			FUZZ_CHECK(v == UPGRADE_STOPPING);
	}
	free(buf);
	return 0;
}
