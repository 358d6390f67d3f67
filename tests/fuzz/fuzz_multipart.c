/*
 * fcgi/multipart.c, as h_admin_session_upload calls it.  Input: the
 * Content-Type header, '\n', the body.  Beyond not crashing: every part
 * lies inside the body, in order, followed by its delimiter; names fit
 * their arrays; file names are clean UTF-8; and the parts, written out
 * again canonically (filename* for every file name), parse back the same.
 *
 * fuzz-sources: fcgi/multipart.c shared/log.c
 */
#include "fuzz.h"

#include "fcgi/multipart.h"
#include "shared/log.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERROR);	/* "malformed" lines are expected */
	return 0;
}

/* Appends s[0..n) as a quoted-string. */
static size_t
put_quoted(char *out, size_t o, const char *s)
{
	out[o++] = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o++] = '"';
	return o;
}

/* The parts written out again with boundary b; returns the length of
 * the malloc'd body in *out. */
static size_t
serialize(const char *b, const struct multipart_part *v, size_t n,
    char **out)
{
	size_t cap = 64 + strlen(b), o = 0;
	char *s;

	/* Each part opens with the boundary, whatever length it has. */
	for (size_t i = 0; i < n; i++)
		cap += 200 + strlen(b) + 2 * sizeof(v[i].name) + 3 * sizeof(v[i].filename) +
		    sizeof(v[i].content_type) + v[i].len;
	s = malloc(cap);
	FUZZ_CHECK(s != NULL);
	for (size_t i = 0; i < n; i++) {
		o += (size_t)sprintf(s + o, "--%s\r\nContent-Disposition: "
		    "form-data; name=", b);
		o = put_quoted(s, o, v[i].name);
		if (v[i].is_file) {
			o += (size_t)sprintf(s + o, "; filename*=UTF-8''");
			for (const char *f = v[i].filename; *f != '\0'; f++)
				o += (size_t)sprintf(s + o, "%%%02X",
				    (unsigned char)*f);
		}
		if (v[i].content_type[0] != '\0')
			o += (size_t)sprintf(s + o, "\r\nContent-Type: %s",
			    v[i].content_type);
		memcpy(s + o, "\r\n\r\n", 4);
		o += 4;
		memcpy(s + o, v[i].data, v[i].len);
		o += v[i].len;
		memcpy(s + o, "\r\n", 2);
		o += 2;
	}
	o += (size_t)sprintf(s + o, "--%s--\r\n", b);
	FUZZ_CHECK(o <= cap);
	*out = s;
	return o;
}

static void
check_parts(const char *body, size_t len, const char *b,
    const struct multipart_part *v, size_t n)
{
	const char *prev_end = body;
	size_t blen = strlen(b);

	FUZZ_CHECK(n <= MULTIPART_MAX_PARTS);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(strnlen(v[i].name, sizeof(v[i].name)) <
		    sizeof(v[i].name));
		FUZZ_CHECK(strnlen(v[i].filename, sizeof(v[i].filename)) <
		    sizeof(v[i].filename));
		FUZZ_CHECK(strnlen(v[i].content_type,
		    sizeof(v[i].content_type)) < sizeof(v[i].content_type));
		FUZZ_CHECK(v[i].is_file || v[i].filename[0] == '\0');
		FUZZ_CHECK(fuzz_clean_utf8(v[i].filename,
		    strlen(v[i].filename)));
		FUZZ_CHECK(v[i].data >= prev_end);
		FUZZ_CHECK(v[i].data + v[i].len + 4 + blen <= body + len);
		FUZZ_CHECK(memcmp(v[i].data + v[i].len, "\r\n--", 4) == 0);
		FUZZ_CHECK(memcmp(v[i].data + v[i].len + 4, b, blen) == 0);
		prev_end = v[i].data + v[i].len;
	}
}

static void
check_round_trip(const char *ct, const char *b,
    const struct multipart_part *v, size_t n)
{
	struct multipart_part *w;
	size_t m, len;
	char *body;

	len = serialize(b, v, n, &body);
	FUZZ_CHECK(multipart_parse(ct, body, len, &w, &m) == 0);
	FUZZ_CHECK(m == n);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(strcmp(w[i].name, v[i].name) == 0);
		FUZZ_CHECK(w[i].is_file == v[i].is_file);
		FUZZ_CHECK(strcmp(w[i].filename, v[i].filename) == 0);
		FUZZ_CHECK(strcmp(w[i].content_type, v[i].content_type) == 0);
		FUZZ_CHECK(w[i].len == v[i].len);
		FUZZ_CHECK(memcmp(w[i].data, v[i].data, v[i].len) == 0);
	}
	free(w);
	free(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char b[MULTIPART_BOUNDARY_MAX + 1], *ct, *body;
	struct multipart_part *v;
	size_t head, tail, n;
	int brc;

	fuzz_split_line(data, size, 512, &head, &tail);
	ct = fuzz_dup(data, head, 1);
	body = fuzz_dup(data + tail, size - tail, 0);
	brc = multipart_boundary(ct, b, sizeof(b));
	if (brc == 0)
		FUZZ_CHECK(strlen(b) >= 1 && strlen(b) <= MULTIPART_BOUNDARY_MAX);
	if (multipart_parse(ct, body, size - tail, &v, &n) == 0) {
		FUZZ_CHECK(brc == 0);
		check_parts(body, size - tail, b, v, n);
		check_round_trip(ct, b, v, n);
		free(v);
	} else
		FUZZ_CHECK(v == NULL && n == 0);
	free(ct);
	free(body);
	return 0;
}
