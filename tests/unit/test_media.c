/* Unit tests of fcgi/media.c: recognition by bytes, titles, storage,
 * the memes row and the library scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "media.h"
#include "store/store.h"
#include "store/store_int.h"

/* A 1x1 GIF89a, byte for byte. */
static const unsigned char gif_1x1[] = {
	0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00,
	0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x21, 0xf9, 0x04, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
};

/* PNG signature and IHDR of a w x h image (enough to recognise it). */
static size_t
make_png(unsigned char *b, uint32_t w, uint32_t h)
{
	static const unsigned char head[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };

	memcpy(b, head, sizeof(head));
	b[16] = w >> 24; b[17] = w >> 16; b[18] = w >> 8; b[19] = w;
	b[20] = h >> 24; b[21] = h >> 16; b[22] = h >> 8; b[23] = h;
	memcpy(b + 24, "\x08\x06\x00\x00\x00" "CRC!", 9);
	return 33;
}

/* SOI, an APP0 (JFIF) segment, then a start-of-frame of type sof. */
static size_t
make_jpeg(unsigned char *b, unsigned char sof, int w, int h)
{
	static const unsigned char head[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00,
	    0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0 };
	size_t n = sizeof(head);

	memcpy(b, head, n);
	b[n++] = 0xff; b[n++] = sof; b[n++] = 0x00; b[n++] = 0x11;
	b[n++] = 8;
	b[n++] = (unsigned char)(h >> 8); b[n++] = (unsigned char)h;
	b[n++] = (unsigned char)(w >> 8); b[n++] = (unsigned char)w;
	memset(b + n, 0, 10);
	return n + 10;
}

static size_t
make_webp(unsigned char *b, const char *chunk, int w, int h)
{
	memset(b, 0, 40);
	memcpy(b, "RIFF", 4);
	b[4] = 32;
	memcpy(b + 8, "WEBP", 4);
	memcpy(b + 12, chunk, 4);
	b[16] = 20;
	if (strcmp(chunk, "VP8 ") == 0) {
		b[23] = 0x9d; b[24] = 0x01; b[25] = 0x2a;
		b[26] = (unsigned char)w; b[27] = (unsigned char)(w >> 8);
		b[28] = (unsigned char)h; b[29] = (unsigned char)(h >> 8);
	} else if (strcmp(chunk, "VP8L") == 0) {
		uint32_t bits = (uint32_t)(w - 1) | (uint32_t)(h - 1) << 14;

		b[20] = 0x2f;
		b[21] = bits; b[22] = bits >> 8; b[23] = bits >> 16;
		b[24] = bits >> 24;
	} else {
		b[24] = (unsigned char)(w - 1); b[25] = (unsigned char)((w - 1) >> 8);
		b[26] = 0;
		b[27] = (unsigned char)(h - 1); b[28] = (unsigned char)((h - 1) >> 8);
		b[29] = 0;
	}
	return 40;
}

static void
detect_each_type(void **state)
{
	unsigned char b[128];
	size_t n;
	int w = 0, h = 0;

	(void)state;
	n = make_png(b, 640, 480);
	assert_int_equal(media_detect(b, n, &w, &h), MEDIA_PNG);
	assert_int_equal(w, 640);
	assert_int_equal(h, 480);
	assert_int_equal(media_detect(gif_1x1, sizeof(gif_1x1), &w, &h),
	    MEDIA_GIF);
	assert_int_equal(w, 1);
	assert_int_equal(h, 1);
	n = make_jpeg(b, 0xc0, 1024, 768);
	assert_int_equal(media_detect(b, n, &w, &h), MEDIA_JPEG);
	assert_int_equal(w, 1024);
	assert_int_equal(h, 768);
	n = make_jpeg(b, 0xc2, 300, 200);	/* progressive */
	assert_int_equal(media_detect(b, n, &w, &h), MEDIA_JPEG);
	assert_int_equal(w, 300);
	n = make_webp(b, "VP8 ", 550, 400);
	assert_int_equal(media_detect(b, n, &w, &h), MEDIA_WEBP);
	assert_int_equal(w, 550);
	assert_int_equal(h, 400);
	n = make_webp(b, "VP8L", 123, 45);
	assert_int_equal(media_detect(b, n, &w, &h), MEDIA_WEBP);
	assert_int_equal(w, 123);
	assert_int_equal(h, 45);
	n = make_webp(b, "VP8X", 2000, 1000);
	assert_int_equal(media_detect(b, n, &w, &h), MEDIA_WEBP);
	assert_int_equal(w, 2000);
	assert_int_equal(h, 1000);
	assert_string_equal(media_type_ext(MEDIA_JPEG), "jpg");
	assert_string_equal(media_type_mime(MEDIA_WEBP), "image/webp");
}

static void
detect_refuses_non_images(void **state)
{
	const char *text = "just some text, named funny.png by someone\n";
	unsigned char b[128];
	size_t n;
	int w, h;

	(void)state;
	assert_int_equal(media_detect(text, strlen(text), &w, &h), MEDIA_NONE);
	assert_int_equal(media_detect("", 0, &w, &h), MEDIA_NONE);
	n = make_png(b, 640, 480);
	assert_int_equal(media_detect(b, 20, &w, &h), MEDIA_NONE); /* cut */
	n = make_png(b, 0, 480);
	assert_int_equal(media_detect(b, n, &w, &h), MEDIA_NONE);
	n = make_png(b, 100000, 10);
	assert_int_equal(media_detect(b, n, &w, &h), MEDIA_NONE);
	/* A JPEG whose scan starts before any frame header. */
	n = make_jpeg(b, 0xda, 10, 10);
	assert_int_equal(media_detect(b, n, &w, &h), MEDIA_NONE);
	/* A JPEG cut inside its frame header. */
	n = make_jpeg(b, 0xc0, 10, 10);
	assert_int_equal(media_detect(b, 24, &w, &h), MEDIA_NONE);
	/* RIFF but not WebP (a WAV header). */
	n = make_webp(b, "VP8 ", 10, 10);
	memcpy(b + 8, "WAVE", 4);
	assert_int_equal(media_detect(b, n, &w, &h), MEDIA_NONE);
	n = make_webp(b, "VP8 ", 10, 10);
	b[23] = 0;	/* no key frame start code */
	assert_int_equal(media_detect(b, n, &w, &h), MEDIA_NONE);
	assert_int_equal(media_detect("GIF88a\x01\x00\x01\x00", 10, &w, &h),
	    MEDIA_NONE);
}

static void
titles_are_sanitised(void **state)
{
	char out[MEDIA_TITLE_MAX], in[400];

	(void)state;
	media_title("My_funny  cat.final.png", out, sizeof(out));
	assert_string_equal(out, "My funny cat.final");
	media_title("C:\\Users\\me\\Desktop\\doge.jpg", out, sizeof(out));
	assert_string_equal(out, "doge");
	media_title("../../etc/passwd", out, sizeof(out));
	assert_string_equal(out, "passwd");
	media_title("", out, sizeof(out));
	assert_string_equal(out, "Untitled");
	media_title(NULL, out, sizeof(out));
	assert_string_equal(out, "Untitled");
	media_title("___.png", out, sizeof(out));
	assert_string_equal(out, "Untitled");
	media_title("bell\x07tab\tnl\nend.gif", out, sizeof(out));
	assert_string_equal(out, "belltab nl end");
	media_title("caf\xc3\xa9 \xff\xfe ok.webp", out, sizeof(out));
	assert_string_equal(out, "caf\xc3\xa9 ok");
	memset(in, 'x', 100);
	strcpy(in + 100, ".png");
	media_title(in, out, sizeof(out));
	assert_int_equal(strlen(out), MEDIA_TITLE_CHARS);
	/* Multi-byte characters are never cut in half. */
	for (int i = 0; i < 100; i++)
		memcpy(in + 2 * i, "\xc3\xa9", 2);
	in[200] = '\0';
	media_title(in, out, sizeof(out));
	assert_int_equal(strlen(out), 2 * MEDIA_TITLE_CHARS);
	media_title("<script>alert(1)</script>.png", out, sizeof(out));
	assert_string_equal(out, "script>");	/* after the last "/" */
}

/* A fresh temporary directory. */
static char *
temp_dir(void)
{
	char tmpl[] = "/tmp/memeter-test-media-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static void
remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[1024];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0))
			n++;
	closedir(d);
	return n;
}

static void
write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static void
store_is_content_addressed(void **state)
{
	struct media_image img, img2;
	char *dir = temp_dir(), path[1024], buf[64];
	struct stat sb, sb2;
	FILE *fp;

	(void)state;
	assert_int_equal(media_probe(gif_1x1, sizeof(gif_1x1), "tiny.gif",
	    &img), 0);
	assert_string_equal(img.title, "tiny");
	assert_string_equal(img.mime, "image/gif");
	assert_int_equal(img.bytes, sizeof(gif_1x1));
	assert_int_equal(strlen(img.sha256), 64);
	assert_string_equal(img.filename + 64, ".gif");
	assert_int_equal(strncmp(img.filename, img.sha256, 64), 0);
	assert_int_equal(media_probe("text", 4, "x.gif", &img2), -1);

	assert_int_equal(media_store(dir, gif_1x1, sizeof(gif_1x1), &img), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, img.filename);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, sizeof(gif_1x1));
	assert_int_equal(sb.st_mode & 0777, 0644);
	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fread(buf, 1, sizeof(buf), fp), sizeof(gif_1x1));
	fclose(fp);
	assert_memory_equal(buf, gif_1x1, sizeof(gif_1x1));
	/* Same content again: the file is kept, not rewritten. */
	assert_int_equal(media_store(dir, gif_1x1, sizeof(gif_1x1), &img), 0);
	assert_int_equal(stat(path, &sb2), 0);
	assert_int_equal(sb.st_ino, sb2.st_ino);
	/* No temp file left behind. */
	assert_int_equal(count_entries(dir), 1);
	/* A missing folder fails cleanly. */
	assert_int_equal(media_store("/nonexistent/memeter", gif_1x1,
	    sizeof(gif_1x1), &img), -1);
	remove_dir(dir);
	free(dir);
}

static void
meme_row_dedups(void **state)
{
	struct store *store = store_open(":memory:", STORE_READWRITE);
	struct json_object *s, *added;
	struct media_image imgs[2];
	sqlite3_stmt *st;
	sqlite3 *db;
	int64_t seq, sid;

	(void)state;
	assert_non_null(store);
	assert_int_equal(store_migrate(store), STORE_OK);
	db = store->db;
	assert_int_equal(media_probe(gif_1x1, sizeof(gif_1x1), "first.gif",
	    &imgs[0]), 0);
	assert_int_equal(media_probe(gif_1x1, sizeof(gif_1x1), "second.gif",
	    &imgs[1]), 0);
	assert_int_equal(store_session_create(store, "Dedup", &s, &seq),
	    STORE_OK);
	sid = json_object_get_int64(json_object_object_get(s, "id"));
	json_object_put(s);
	/* The same content twice is one meme, added once. */
	assert_int_equal(store_session_add_images(store, sid, imgs, 2, "/media",
	    &added, &seq), STORE_OK);
	assert_int_equal(json_object_array_length(added), 1);
	json_object_put(added);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*),min(title),"
	    "min(width),min(mime) FROM memes", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_string_equal(sqlite3_column_text(st, 1), "first");
	assert_int_equal(sqlite3_column_int(st, 2), 1);
	assert_string_equal(sqlite3_column_text(st, 3), "image/gif");
	sqlite3_finalize(st);
	store_close(store);
}

static void
library_scan_imports_images_only(void **state)
{
	char *lib = temp_dir(), *media = temp_dir();
	struct media_image *imgs = NULL;
	unsigned char png[64], jpg[64], big[4096];
	size_t n = 0, pn, jn;

	(void)state;
	pn = make_png(png, 20, 10);
	jn = make_jpeg(jpg, 0xc0, 30, 40);
	memset(big, 0, sizeof(big));
	make_png(big, 5, 5);
	write_file(lib, "b_second.png", png, pn);
	write_file(lib, "a first.jpg", jpg, jn);
	write_file(lib, "c.png", "not an image", 12);	/* lies about itself */
	write_file(lib, ".hidden.gif", gif_1x1, sizeof(gif_1x1));
	write_file(lib, "d_big.png", big, sizeof(big));	/* over the limit */
	write_file(lib, "e_copy.jpg", jpg, jn);		/* same content */

	assert_int_equal(media_scan_library(lib, media, 1024, &imgs, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(imgs[0].title, "a first");
	assert_int_equal(imgs[0].width, 30);
	assert_string_equal(imgs[1].title, "b second");
	assert_string_equal(imgs[1].mime, "image/png");
	assert_string_equal(imgs[2].sha256, imgs[0].sha256);
	/* Two distinct contents stored. */
	assert_int_equal(count_entries(media), 2);
	free(imgs);

	assert_int_equal(media_scan_library("/nonexistent/memeter-lib", media,
	    1024, &imgs, &n), -1);
	remove_dir(lib);
	remove_dir(media);
	free(lib);
	free(media);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(detect_each_type),
		cmocka_unit_test(detect_refuses_non_images),
		cmocka_unit_test(titles_are_sanitised),
		cmocka_unit_test(store_is_content_addressed),
		cmocka_unit_test(meme_row_dedups),
		cmocka_unit_test(library_scan_imports_images_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
