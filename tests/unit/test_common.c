/* Unit tests of shared/'s small common rules: origin, UTF-8, Unix socket
 * addresses, cookie names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cookie.h"
#include "origin.h"
#include "unixsock.h"
#include "utf8.h"

static void
origin_canonical_form(void **state)
{
	char out[ORIGIN_MAX];

	(void)state;
	assert_int_equal(origin_canonical("HTTP://LocalHost:80/x?y", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "http://localhost");
	assert_int_equal(origin_canonical("https://a.example:443", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "https://a.example");
	assert_int_equal(origin_canonical("https://a.example:8443/", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "https://a.example:8443");
	assert_int_equal(origin_canonical("http://[::1]:8080", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "http://[::1]:8080");
	assert_int_equal(origin_canonical("http://[::1]", out, sizeof(out)), 0);
	assert_string_equal(out, "http://[::1]");
	/* What no browser sends as an origin, and what would hide a host. */
	assert_int_equal(origin_canonical("null", out, sizeof(out)), -1);
	assert_int_equal(origin_canonical("", out, sizeof(out)), -1);
	assert_int_equal(origin_canonical("ftp://x", out, sizeof(out)), -1);
	assert_int_equal(origin_canonical("http://", out, sizeof(out)), -1);
	assert_int_equal(origin_canonical("http://:80", out, sizeof(out)), -1);
	assert_int_equal(origin_canonical("http://a@b", out, sizeof(out)), -1);
	assert_int_equal(origin_canonical("http://a:8x", out, sizeof(out)), -1);
	assert_int_equal(origin_canonical("http://long.example", out, 10), -1);
}

static void
origin_list_rule(void **state)
{
	const char *list = "http://127.0.0.1:8080 HTTPS://Party.example/";

	(void)state;
	assert_true(origin_in_list("http://127.0.0.1:8080", list));
	assert_true(origin_in_list("https://party.example", list));
	assert_true(origin_in_list("https://party.example:443", list));
	assert_true(origin_in_list("http://127.0.0.1:8080/admin", list));
	assert_false(origin_in_list("http://127.0.0.1:8081", list));
	assert_false(origin_in_list("http://127.0.0.1:8080.evil.example",
	    list));
	assert_false(origin_in_list("http://party.example", list));
	assert_false(origin_in_list("null", list));
	assert_false(origin_in_list("http://127.0.0.1:8080", ""));
	assert_false(origin_in_list("http://127.0.0.1:8080", NULL));
	assert_true(origin_in_list("http://b", "http://a,http://b"));
}

static void
origin_accepted_takes_public_url(void **state)
{
	struct config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_true(origin_accepted(&cfg, "http://127.0.0.1:8080"));
	assert_false(origin_accepted(&cfg, "http://127.0.0.2:8080"));
	snprintf(cfg.public_url, sizeof(cfg.public_url), "%s",
	    "http://127.0.0.2:8080/");
	assert_true(origin_accepted(&cfg, "http://127.0.0.2:8080"));
	assert_true(origin_accepted(&cfg, "http://127.0.0.1:8080"));
	assert_false(origin_accepted(&cfg, "http://127.0.0.3:8080"));
}

static void
utf8_rules(void **state)
{
	uint32_t cp;

	(void)state;
	assert_int_equal(utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp),
	    2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(utf8_decode((const unsigned char *)"\xf0\x9f\x98\x82",
	    4, &cp), 4);
	assert_int_equal(cp, 0x1f602);
	/* overlong, surrogate, truncated, beyond U+10FFFF, lone continuation */
	assert_int_equal(utf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp),
	    0);
	assert_int_equal(utf8_decode((const unsigned char *)"\xed\xa0\x80", 3,
	    &cp), 0);
	assert_int_equal(utf8_decode((const unsigned char *)"\xe2\x82", 2, &cp),
	    0);
	assert_int_equal(utf8_decode((const unsigned char *)"\xf4\x90\x80\x80",
	    4, &cp), 0);
	assert_int_equal(utf8_decode((const unsigned char *)"\x80", 1, &cp), 0);
	assert_int_equal(utf8_chars("caf\xc3\xa9", 5), 4);
	assert_int_equal(utf8_chars("a\xff", 2), -1);
	assert_true(utf8_is_control(0x1b) && utf8_is_control(0x85));
	assert_false(utf8_is_control(' ') || utf8_is_control(0xa0));
	assert_true(utf8_is_deceptive(0x202e) && utf8_is_deceptive(0x200b) &&
	    utf8_is_deceptive(0x2066) && utf8_is_deceptive(0xfeff));
	assert_false(utf8_is_deceptive('A') || utf8_is_deceptive(0xe9) ||
	    utf8_is_deceptive(0x1f602));
}

static void
unixsock_refuses_long_paths(void **state)
{
	struct sockaddr_un sun;
	char path[sizeof(sun.sun_path) + 8];

	(void)state;
	assert_int_equal(unixsock_addr(&sun, "/run/x.sock", "test"), 0);
	assert_int_equal(sun.sun_family, AF_UNIX);
	assert_string_equal(sun.sun_path, "/run/x.sock");
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(unixsock_addr(&sun, path, "test"), -1);
	path[sizeof(sun.sun_path) - 1] = '\0';	/* exactly the most that fits */
	assert_int_equal(unixsock_addr(&sun, path, "test"), 0);
}

static void
cookie_names_are_read_back(void **state)
{
	char v[64];

	(void)state;
	assert_int_equal(cookie_get("a=1; " COOKIE_ADMIN "=tok; " COOKIE_RATER
	    "=r", COOKIE_ADMIN, v, sizeof(v)), 0);
	assert_string_equal(v, "tok");
	assert_int_equal(cookie_get(COOKIE_RATER "=r", COOKIE_ADMIN, v,
	    sizeof(v)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(origin_canonical_form),
		cmocka_unit_test(origin_list_rule),
		cmocka_unit_test(origin_accepted_takes_public_url),
		cmocka_unit_test(utf8_rules),
		cmocka_unit_test(unixsock_refuses_long_paths),
		cmocka_unit_test(cookie_names_are_read_back),
	};

	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
