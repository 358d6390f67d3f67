/* Unit tests of fcgi/multipart.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fcgi/multipart.h"

#define CT "multipart/form-data; boundary=XyZ"

static void
boundary_forms(void **state)
{
	char b[MULTIPART_BOUNDARY_MAX + 1];
	char longct[200];

	(void)state;
	assert_int_equal(multipart_boundary(CT, b, sizeof(b)), 0);
	assert_string_equal(b, "XyZ");
	assert_int_equal(multipart_boundary("Multipart/Form-Data; charset=utf-8;"
	    " BOUNDARY=\"a b;c\"", b, sizeof(b)), 0);
	assert_string_equal(b, "a b;c");
	assert_int_equal(multipart_boundary("multipart/form-data;boundary="
	    "----WebKitFormBoundary7MA4YWxkTrZu0gW", b, sizeof(b)), 0);
	assert_string_equal(b, "----WebKitFormBoundary7MA4YWxkTrZu0gW");
	assert_int_equal(multipart_boundary("multipart/mixed; boundary=x", b,
	    sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/form-dataX; boundary=x",
	    b, sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/form-data", b,
	    sizeof(b)), -1);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=",
	    b, sizeof(b)), -1);
	assert_int_equal(multipart_boundary("application/json", b, sizeof(b)),
	    -1);
	assert_int_equal(multipart_boundary(NULL, b, sizeof(b)), -1);
	strcpy(longct, "multipart/form-data; boundary=");
	memset(longct + strlen(longct), 'a', 71);
	longct[30 + 71] = '\0';
	assert_int_equal(multipart_boundary(longct, b, sizeof(b)), -1);
}

static void
parses_files_and_fields(void **state)
{
	/* Binary content with CRLF, "--" and a near-boundary inside. */
	static const char body[] =
	    "preamble to ignore\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"files\"; "
	    "filename=\"a \\\"quoted\\\".png\"\r\n"
	    "content-type: image/png\r\n"
	    "\r\n"
	    "\x89PNG\r\n--XyQ\r\n\0tail\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=note\r\n"
	    "\r\n"
	    "hello\r\n"
	    "--XyZ\r\n"
	    "CONTENT-DISPOSITION: form-data; name=\"files\"; filename=\"\"; "
	    "filename*=UTF-8''caf%C3%A9.gif\r\n"
	    "\r\n"
	    "\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"files\"; filename=\"empty\"\r\n"
	    "\r\n"
	    "\r\n"
	    "--XyZ--\r\n"
	    "epilogue";
	struct multipart_part *p;
	size_t n;

	(void)state;
	assert_int_equal(multipart_parse(CT, body, sizeof(body) - 1, &p, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(p[0].name, "files");
	assert_true(p[0].is_file);
	assert_string_equal(p[0].filename, "a \"quoted\".png");
	assert_string_equal(p[0].content_type, "image/png");
	assert_int_equal(p[0].len, 18);
	assert_memory_equal(p[0].data, "\x89PNG\r\n--XyQ\r\n\0tail", 18);
	assert_string_equal(p[1].name, "note");
	assert_false(p[1].is_file);
	assert_int_equal(p[1].len, 5);
	assert_memory_equal(p[1].data, "hello", 5);
	assert_true(p[2].is_file);
	assert_string_equal(p[2].filename, "caf\xc3\xa9.gif");
	assert_int_equal(p[2].len, 0);
	assert_true(p[3].is_file);
	assert_string_equal(p[3].filename, "empty");
	assert_int_equal(p[3].len, 0);
	free(p);
}

static void
body_starting_with_delimiter(void **state)
{
	static const char body[] =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"f\"; filename=\"x.gif\"\r\n"
	    "\r\n"
	    "GIF89a\r\n"
	    "--XyZ--";
	struct multipart_part *p;
	size_t n;

	(void)state;
	assert_int_equal(multipart_parse(CT, body, sizeof(body) - 1, &p, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].len, 6);
	assert_string_equal(p[0].filename, "x.gif");
	free(p);
}

static void
refuses_malformed(void **state)
{
	static const char *const bad[] = {
		/* no delimiter at all */
		"just text",
		/* a part that never ends (truncated upload) */
		"--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nabc",
		/* headers that never end */
		"--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\nabc",
		/* no Content-Disposition */
		"--XyZ\r\nContent-Type: text/plain\r\n\r\nabc\r\n--XyZ--",
		/* not form-data */
		"--XyZ\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\n"
		    "abc\r\n--XyZ--",
		/* form-data must be the whole disposition type */
		"--XyZ\r\nContent-Disposition: form-dataX; name=\"f\"\r\n\r\n"
		    "abc\r\n--XyZ--",
		/* no name */
		"--XyZ\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--XyZ--",
		/* unterminated quoted filename */
		"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
		    "filename=\"abc\r\n\r\nabc\r\n--XyZ--",
		/* garbage after the delimiter */
		"--XyZjunk\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n"
		    "abc\r\n--XyZ--",
		/* a header line without a colon */
		"--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\nbogus\r\n"
		    "\r\nabc\r\n--XyZ--",
	};
	struct multipart_part *p = (void *)1;
	size_t n = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(multipart_parse(CT, bad[i], strlen(bad[i]), &p,
		    &n), -1);
		assert_null(p);
		assert_int_equal(n, 0);
	}
	assert_int_equal(multipart_parse("application/json", "{}", 2, &p, &n),
	    -1);
	/* Nothing but the close delimiter: valid, no parts. */
	assert_int_equal(multipart_parse(CT, "--XyZ--\r\n", 9, &p, &n), 0);
	assert_int_equal(n, 0);
	free(p);
}

static void
many_parts_grow(void **state)
{
	char body[20000];
	struct multipart_part *p;
	size_t n, o = 0;

	(void)state;
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o, "--XyZ\r\n"
		    "Content-Disposition: form-data; name=\"f\"; "
		    "filename=\"%d.png\"\r\n\r\n%d\r\n", i, i * 7);
	o += (size_t)snprintf(body + o, sizeof(body) - o, "--XyZ--\r\n");
	assert_int_equal(multipart_parse(CT, body, o, &p, &n), 0);
	assert_int_equal(n, 100);
	assert_string_equal(p[99].filename, "99.png");
	assert_int_equal(p[99].len, 3);
	assert_memory_equal(p[99].data, "693", 3);
	free(p);
}

static void
too_many_parts(void **state)
{
	static const char part[] = "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"f\"\r\n\r\nx\r\n";
	size_t plen = sizeof(part) - 1, n, len;
	struct multipart_part *p;
	char *body;

	(void)state;
	body = malloc(plen * (MULTIPART_MAX_PARTS + 1) + 16);
	assert_non_null(body);
	for (int i = 0; i <= MULTIPART_MAX_PARTS; i++)
		memcpy(body + plen * (size_t)i, part, plen);
	len = plen * (MULTIPART_MAX_PARTS + 1);
	memcpy(body + len, "--XyZ--", 7);
	assert_int_equal(multipart_parse(CT, body, len + 7, &p, &n), -1);
	/* One part fewer is fine. */
	memcpy(body + len - plen, "--XyZ--", 7);
	assert_int_equal(multipart_parse(CT, body, len - plen + 7, &p, &n), 0);
	assert_int_equal(n, MULTIPART_MAX_PARTS);
	free(p);
	free(body);
}

/* One part with the given Content-Disposition parameters after
 * `form-data; name="f"`; the result of multipart_parse, and the part's
 * file name into filename when it parses. */
static int
parse_disposition(const char *params, char *filename, size_t len)
{
	char body[4096];
	struct multipart_part *p;
	size_t n;
	int blen, rc;

	blen = snprintf(body, sizeof(body), "--XyZ\r\nContent-Disposition: "
	    "form-data; name=\"f\"%s\r\n\r\nGIF89a\r\n--XyZ--\r\n", params);
	assert_true(blen > 0 && (size_t)blen < sizeof(body));
	rc = multipart_parse(CT, body, (size_t)blen, &p, &n);
	if (rc == 0) {
		assert_int_equal(n, 1);
		assert_true(p[0].is_file);
		snprintf(filename, len, "%s", p[0].filename);
		free(p);
	} else
		assert_null(p);
	return rc;
}

/* Finding 3 of issue 11: a NUL decoded out of the charset made the
 * "''" search fail after the decode and NULL + 2 reach snprintf. */
static void
filename_star_decoded_nul_is_malformed(void **state)
{
	char f[256];

	(void)state;
	assert_int_equal(parse_disposition("; filename*=UTF-8%00''x.png", f,
	    sizeof(f)), -1);
	assert_int_equal(parse_disposition("; filename*=UTF-8''x%00.png", f,
	    sizeof(f)), -1);
	assert_int_equal(parse_disposition("; filename*=UTF-8'%00'x.png", f,
	    sizeof(f)), -1);
	assert_int_equal(parse_disposition("; filename*=\"UTF-8''%00\"", f,
	    sizeof(f)), -1);
}

static void
filename_star_forms(void **state)
{
	char f[256];

	(void)state;
	assert_int_equal(parse_disposition("; filename*=utf-8'en'a%20b.png", f,
	    sizeof(f)), 0);
	assert_string_equal(f, "a b.png");
	assert_int_equal(parse_disposition("; filename*=ISO-8859-1''caf%E9.png",
	    f, sizeof(f)), 0);
	assert_string_equal(f, "caf\xc3\xa9.png");
	/* filename* wins over filename, whichever comes first. */
	assert_int_equal(parse_disposition("; filename*=UTF-8''%E2%82%AC.gif; "
	    "filename=\"EUR.gif\"", f, sizeof(f)), 0);
	assert_string_equal(f, "\xe2\x82\xac.gif");
	/* A name of 255 bytes, every byte %XX-encoded, still fits. */
	{
		char params[1024];
		size_t o;

		o = (size_t)snprintf(params, sizeof(params),
		    "; filename*=UTF-8''");
		for (int i = 0; i < 255; i++)
			o += (size_t)snprintf(params + o, sizeof(params) - o,
			    "%%%02X", 'a' + i % 26);
		assert_int_equal(parse_disposition(params, f, sizeof(f)), 0);
		assert_int_equal(strlen(f), 255);
		assert_int_equal(f[254], 'a' + 254 % 26);
		/* One more byte does not. */
		snprintf(params + o, sizeof(params) - o, "%%61");
		assert_int_equal(parse_disposition(params, f, sizeof(f)), -1);
	}
}

static void
filename_refuses_bad_bytes(void **state)
{
	static const char *const bad[] = {
		"; filename*=UTF-8x.png",		/* no quotes */
		"; filename*=UTF-8'x.png",		/* one quote */
		"; filename*=''x.png",			/* no charset */
		"; filename*=KOI8-R''x.png",		/* another charset */
		"; filename*=UTF-8''x%2.png",		/* broken escape */
		"; filename*=UTF-8''x%zz.png",
		"; filename*=UTF-8''x%",
		"; filename*=UTF-8''%C3%28.png",	/* broken UTF-8 */
		"; filename*=UTF-8''%C0%AF.png",	/* overlong '/' */
		"; filename*=UTF-8''%ED%A0%80.png",	/* surrogate */
		"; filename*=UTF-8''a%0Ab.png",		/* control byte */
		"; filename*=UTF-8''a%7Fb.png",
		"; filename*=ISO-8859-1''a%85b.png",	/* C1 control (NEL) */
		"; filename=\"a\xff.png\"",		/* raw broken UTF-8 */
		"; filename=\"a\tb.png\"",		/* raw control byte */
		"; filename=\"x.png\"; filename*",	/* filename* no value */
	};
	char f[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_disposition(bad[i], f, sizeof(f)), -1);
}

static void
headers_refuse_nul_and_repeats(void **state)
{
	static const char nul[] = "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename=\"a\0.png\"\r\n\r\nx\r\n--XyZ--";
	static const char twice[] = "--XyZ\r\nContent-Disposition: form-data; "
	    "name=\"f\"; filename=\"a.png\"\r\nContent-Disposition: form-data; "
	    "name=\"g\"\r\n\r\nx\r\n--XyZ--";
	struct multipart_part *p;
	size_t n;

	(void)state;
	assert_int_equal(multipart_parse(CT, nul, sizeof(nul) - 1, &p, &n), -1);
	assert_int_equal(multipart_parse(CT, twice, sizeof(twice) - 1, &p, &n),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boundary_forms),
		cmocka_unit_test(parses_files_and_fields),
		cmocka_unit_test(body_starting_with_delimiter),
		cmocka_unit_test(refuses_malformed),
		cmocka_unit_test(many_parts_grow),
		cmocka_unit_test(too_many_parts),
		cmocka_unit_test(filename_star_decoded_nul_is_malformed),
		cmocka_unit_test(filename_star_forms),
		cmocka_unit_test(filename_refuses_bad_bytes),
		cmocka_unit_test(headers_refuse_nul_and_repeats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
