/*
 * shared/media.c, what reads an upload's bytes and name: media_detect,
 * media_probe and media_title.  Input: the file name up to '\n' (if a
 * '\n' comes in the first 300 bytes), then the file's bytes.  Beyond not
 * crashing: a recognised image has its format's signature, a size in
 * 1..65535 both ways and a <sha256>.<ext> name; the title is clean
 * UTF-8 of at most MEDIA_TITLE_CHARS characters with no path, no edge
 * or double spaces, and fits whatever buffer it is given.
 *
 * fuzz-sources: shared/media.c shared/utf8.c shared/token.c shared/log.c
 * fuzz-libs: -lsqlite3 -lcrypto -lcrypt
 */
#include "fuzz.h"

#include "shared/media.h"
#include "shared/log.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERROR);
	return 0;
}

static int
has_signature(enum media_type t, const unsigned char *p, size_t len)
{
	switch (t) {
	case MEDIA_JPEG:
		return len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff;
	case MEDIA_PNG:
		return len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0;
	case MEDIA_GIF:
		return len >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
		    memcmp(p, "GIF89a", 6) == 0);
	case MEDIA_WEBP:
		return len >= 12 && memcmp(p, "RIFF", 4) == 0 &&
		    memcmp(p + 8, "WEBP", 4) == 0;
	default:
		return 0;
	}
}

static void
check_title(const char *t, size_t outlen)
{
	size_t len = strlen(t), chars = 0;

	FUZZ_CHECK(len < outlen);
	FUZZ_CHECK(fuzz_clean_utf8(t, len));
	FUZZ_CHECK(strpbrk(t, "/\\\t\r\n") == NULL);
	FUZZ_CHECK(strstr(t, "  ") == NULL);
	if (len > 0)
		FUZZ_CHECK(t[0] != ' ' && t[len - 1] != ' ');
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)t[i] & 0xc0) != 0x80)
			chars++;
	FUZZ_CHECK(chars <= MEDIA_TITLE_CHARS);
	if (outlen >= MEDIA_TITLE_MAX)
		FUZZ_CHECK(len > 0);
}

static void
check_probe(const unsigned char *p, size_t len, const char *name)
{
	struct media_image img;
	enum media_type t;
	int w = -1, h = -1;
	char want[sizeof(img.filename)];

	t = media_detect(p, len, &w, &h);
	FUZZ_CHECK((media_type_ext(t) == NULL) == (t == MEDIA_NONE));
	FUZZ_CHECK((media_type_mime(t) == NULL) == (t == MEDIA_NONE));
	if (t != MEDIA_NONE) {
		FUZZ_CHECK(has_signature(t, p, len));
		FUZZ_CHECK(w >= 1 && w <= 65535 && h >= 1 && h <= 65535);
	}
	if (media_probe(p, len, name, &img) == -1) {
		FUZZ_CHECK(t == MEDIA_NONE);
		return;
	}
	FUZZ_CHECK(t != MEDIA_NONE);
	FUZZ_CHECK(img.width == w && img.height == h);
	FUZZ_CHECK(img.bytes == (int64_t)len);
	FUZZ_CHECK(strcmp(img.mime, media_type_mime(t)) == 0);
	FUZZ_CHECK(strlen(img.sha256) == SHA256_HEX_LEN &&
	    strspn(img.sha256, "0123456789abcdef") == SHA256_HEX_LEN);
	snprintf(want, sizeof(want), "%s.%s", img.sha256, media_type_ext(t));
	FUZZ_CHECK(strcmp(img.filename, want) == 0);
	check_title(img.title, sizeof(img.title));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t head, tail, outlen;
	unsigned char *bytes;
	char *name, *title;

	fuzz_split_line(data, size, 300, &head, &tail);
	name = fuzz_dup(data, head, 1);
	bytes = (unsigned char *)fuzz_dup(data + tail, size - tail, 0);
	check_probe(bytes, size - tail, name);
	/* The title into a smaller buffer, sized by the input. */
	outlen = 1 + (size % MEDIA_TITLE_MAX);
	title = malloc(outlen);
	FUZZ_CHECK(title != NULL);
	media_title(name, title, outlen);
	check_title(title, outlen);
	free(title);
	free(name);
	free(bytes);
	return 0;
}
