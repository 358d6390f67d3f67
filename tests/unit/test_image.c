/* Unit tests of shared/image.c: phone and thumbnail variants of photos
 * (EXIF rotation, size, budget, stripped metadata), alpha, animation, no
 * upscaling, hostile inputs, and bounded memory.  The images are made here
 * with libvips itself, in a temp dir. */
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
#include <time.h>
#include <unistd.h>

#include <vips/vips.h>
#include <zlib.h>

#include "image.h"
#include "log.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static char	tmpdir[] = "/tmp/memeter-image-XXXXXX";
static char	photo_path[512];	/* 4000x3000, EXIF orientation 6 */
static char	small_path[512];	/* 200x150 */

static void
path_in(char *buf, size_t len, const char *name)
{
	assert_true((size_t)snprintf(buf, len, "%s/%s", tmpdir, name) < len);
}

static void
write_bytes(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/*
 * A photo-like w x h JPEG: smooth colour fields, fine texture and sensor
 * noise, a pure red block in its stored top-left corner, and EXIF
 * orientation `orientation`.
 */
static void
make_photo(const char *path, int w, int h, int orientation, int quality)
{
	VipsImage *scope = vips_image_new();
	VipsImage **t = (VipsImage **)vips_object_local_array(
	    VIPS_OBJECT(scope), 12);
	VipsImage *mem;
	double red[3] = { 255, 0, 0 };

	assert_int_equal(vips_sines(&t[0], w, h, "hfreq", 3.0, "vfreq", 2.0,
	    NULL), 0);
	assert_int_equal(vips_grey(&t[1], w, h, NULL), 0);
	assert_int_equal(vips_sines(&t[2], w, h, "hfreq", 400.0, "vfreq",
	    300.0, NULL), 0);
	assert_int_equal(vips_gaussnoise(&t[3], w, h, "mean", 0.0, "sigma",
	    5.0, NULL), 0);
	assert_int_equal(vips_linear1(t[2], &t[4], 12.0, 0.0, NULL), 0);
	assert_int_equal(vips_add(t[3], t[4], &t[5], NULL), 0);	/* texture */
	assert_int_equal(vips_linear1(t[0], &t[6], 80.0, 128.0, NULL), 0);
	assert_int_equal(vips_linear1(t[1], &t[7], 200.0, 30.0, NULL), 0);
	assert_int_equal(vips_linear1(t[1], &t[8], -150.0, 200.0, NULL), 0);
	assert_int_equal(vips_bandjoin(&t[6], &t[9], 3, NULL), 0);
	assert_int_equal(vips_add(t[9], t[5], &t[10], NULL), 0);
	assert_int_equal(vips_cast_uchar(t[10], &t[11], NULL), 0);
	mem = vips_image_copy_memory(t[11]);
	assert_non_null(mem);
	assert_int_equal(vips_draw_rect(mem, red, 3, 0, 0, w / 10, h / 10,
	    "fill", TRUE, NULL), 0);
	mem->Type = VIPS_INTERPRETATION_sRGB;
	vips_image_set_int(mem, VIPS_META_ORIENTATION, orientation);
	assert_int_equal(vips_jpegsave(mem, path, "Q", quality, NULL), 0);
	g_object_unref(mem);
	g_object_unref(scope);
}

/* A w x h RGBA PNG whose alpha fades from opaque to clear. */
static void
make_alpha_png(const char *path, int w, int h)
{
	VipsImage *scope = vips_image_new();
	VipsImage **t = (VipsImage **)vips_object_local_array(
	    VIPS_OBJECT(scope), 5);

	assert_int_equal(vips_grey(&t[0], w, h, "uchar", TRUE, NULL), 0);
	assert_int_equal(vips_bandjoin_const1(t[0], &t[1], 80.0, NULL), 0);
	assert_int_equal(vips_bandjoin_const1(t[1], &t[2], 160.0, NULL), 0);
	assert_int_equal(vips_invert(t[0], &t[3], NULL), 0);
	assert_int_equal(vips_bandjoin2(t[2], t[3], &t[4], NULL), 0);
	t[4]->Type = VIPS_INTERPRETATION_sRGB;
	assert_int_equal(vips_pngsave(t[4], path, NULL), 0);
	g_object_unref(scope);
}

/* A GIF of `frames` frames of w x h, a white block moving right on grey
 * (identical frames would be merged into a still by the WebP encoder). */
static void
make_animated_gif(const char *path, int w, int h, int frames)
{
	VipsImage *scope = vips_image_new();
	VipsImage **t = (VipsImage **)vips_object_local_array(
	    VIPS_OBJECT(scope), 2);
	VipsImage *mem;
	int delays[8] = { 100, 100, 100, 100, 100, 100, 100, 100 };
	double white[3] = { 255, 255, 255 };
	int i;

	assert_true(frames <= 8);
	assert_int_equal(vips_black(&t[0], w, h * frames, "bands", 3, NULL), 0);
	assert_int_equal(vips_linear1(t[0], &t[1], 1.0, 90.0, "uchar", TRUE,
	    NULL), 0);
	assert_non_null(mem = vips_image_copy_memory(t[1]));
	for (i = 0; i < frames; i++)
		assert_int_equal(vips_draw_rect(mem, white, 3, i * w / frames,
		    i * h, w / frames, h, "fill", TRUE, NULL), 0);
	mem->Type = VIPS_INTERPRETATION_sRGB;
	vips_image_set_int(mem, VIPS_META_PAGE_HEIGHT, h);
	vips_image_set_array_int(mem, "delay", delays, frames);
	vips_image_set_int(mem, "loop", 0);
	assert_int_equal(vips_gifsave(mem, path, NULL), 0);
	g_object_unref(mem);
	g_object_unref(scope);
}

/* A PNG chunk of type `type` with a valid CRC; returns its length. */
static size_t
png_chunk(unsigned char *p, const char *type, const unsigned char *data,
    uint32_t len)
{
	uint32_t crc;

	p[0] = len >> 24; p[1] = len >> 16; p[2] = len >> 8; p[3] = len;
	memcpy(p + 4, type, 4);
	if (len > 0)
		memcpy(p + 8, data, len);
	crc = (uint32_t)crc32(0, p + 4, len + 4);
	p[8 + len] = crc >> 24; p[9 + len] = crc >> 16;
	p[10 + len] = crc >> 8; p[11 + len] = crc;
	return 12 + len;
}

/* A well-formed PNG header of w x h RGBA pixels followed by a few bytes
 * of image data: at 65535 x 65535, a decompression bomb (17 GB decoded). */
static size_t
make_png_header(unsigned char *b, uint32_t w, uint32_t h, int interlaced)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };
	unsigned char ihdr[13] = { w >> 24, w >> 16, w >> 8, w, h >> 24, h >> 16,
	    h >> 8, h, 8, 6, 0, 0, interlaced };
	unsigned char idat[64];
	uLongf zlen = sizeof(idat);
	unsigned char row[16] = { 0 };
	size_t n = 8;

	memcpy(b, sig, 8);
	n += png_chunk(b + n, "IHDR", ihdr, sizeof(ihdr));
	assert_int_equal(compress(idat, &zlen, row, sizeof(row)), Z_OK);
	n += png_chunk(b + n, "IDAT", idat, (uint32_t)zlen);
	n += png_chunk(b + n, "IEND", NULL, 0);
	return n;
}

/* Reloads a written variant (all its frames) for inspection. */
static VipsImage *
load_variant(const char *dir, const struct image_variant *v)
{
	char path[1024];
	VipsImage *img;

	assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	    v->name) < sizeof(path));
	img = vips_image_new_from_file(path, "n", -1, NULL);
	assert_non_null(img);
	return img;
}

static off_t
file_size(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Files in dir, hidden temporaries included. */
static int
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
empty_dir(const char *dir)
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
}

/* A fresh, empty output dir for one test. */
static void
out_dir(char *buf, size_t len, const char *name)
{
	path_in(buf, len, name);
	empty_dir(buf);
	rmdir(buf);
	assert_int_equal(mkdir(buf, 0755), 0);
}

static int
file_contains(const char *dir, const char *name, const char *needle)
{
	char path[1024], buf[1 << 16];
	size_t n, k = strlen(needle);
	FILE *fp;
	int found = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "rb"));
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	for (size_t i = 0; i + k <= n && !found; i++)
		found = memcmp(buf + i, needle, k) == 0;
	return found;
}

static int
is_red(VipsImage *img, int x, int y)
{
	double *px;
	int n, red;

	assert_int_equal(vips_getpoint(img, &px, &n, x, y, NULL), 0);
	assert_true(n >= 3);
	red = px[0] > 200 && px[1] < 60 && px[2] < 60;
	g_free(px);
	return red;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long
rss_kib(void)
{
	long pages, resident = -1;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (fp != NULL) {
		if (fscanf(fp, "%ld %ld", &pages, &resident) != 2)
			resident = -1;
		fclose(fp);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The 4000x3000 photo with EXIF orientation 6 (turn 90 degrees clockwise
 * to view): an upright 810x1080 phone variant under 300 KB, a 240x320
 * thumbnail, the red corner now top right, no EXIF left. */
static void
test_photo_rotated_and_small(void **state)
{
	struct image_variants iv;
	char dir[512], err[256];
	VipsImage *phone, *thumb, *orig;
	double t0;

	(void)state;
	orig = vips_image_new_from_file(photo_path, NULL);
	assert_non_null(orig);
	assert_int_equal(vips_image_get_orientation(orig), 6);
	g_object_unref(orig);

	out_dir(dir, sizeof(dir), "photo");
	t0 = now_ms();
	assert_int_equal(image_variants_make(photo_path, dir, "photo", &iv,
	    err, sizeof(err)), IMAGE_OK);
	print_message("4000x3000 JPEG -> variants: %.0f ms, phone %lld bytes, "
	    "thumb %lld bytes\n", now_ms() - t0, (long long)iv.phone.bytes,
	    (long long)iv.thumb.bytes);

	assert_string_equal(iv.phone.name, "photo-1080.webp");
	assert_string_equal(iv.thumb.name, "photo-320.webp");
	assert_int_equal(iv.orig_width, 3000);
	assert_int_equal(iv.orig_height, 4000);
	assert_int_equal(iv.phone.width, 810);
	assert_int_equal(iv.phone.height, 1080);
	assert_int_equal(iv.thumb.width, 240);
	assert_int_equal(iv.thumb.height, 320);
	assert_false(iv.animated);
	assert_false(iv.alpha);
	assert_true(iv.phone.bytes < 300 * 1024);
	assert_true(iv.thumb.bytes < iv.phone.bytes);
	assert_int_equal(file_size(dir, iv.phone.name), iv.phone.bytes);
	assert_int_equal(file_size(dir, iv.thumb.name), iv.thumb.bytes);
	assert_int_equal(count_files(dir), 2);

	phone = load_variant(dir, &iv.phone);
	assert_int_equal(vips_image_get_width(phone), 810);
	assert_int_equal(vips_image_get_height(phone), 1080);
	assert_true(is_red(phone, 810 - 20, 20));
	assert_false(is_red(phone, 20, 20));
	assert_false(is_red(phone, 810 - 20, 1080 - 20));
	assert_int_equal(vips_image_get_typeof(phone, VIPS_META_EXIF_NAME), 0);
	assert_int_equal(vips_image_get_orientation(phone), 1);
	assert_false(file_contains(dir, iv.phone.name, "EXIF"));
	assert_false(file_contains(dir, iv.phone.name, "ICCP"));
	g_object_unref(phone);

	thumb = load_variant(dir, &iv.thumb);
	assert_int_equal(vips_image_get_width(thumb), 240);
	assert_true(is_red(thumb, 240 - 8, 8));
	assert_false(is_red(thumb, 8, 8));
	g_object_unref(thumb);
}

/* A second conversion replaces the variants in place; reading them back
 * gives what the conversion reported. */
static void
test_replaces_and_reads_existing(void **state)
{
	struct image_variants iv, back;
	char dir[512], err[256];

	(void)state;
	out_dir(dir, sizeof(dir), "again");
	assert_int_equal(image_variants_read(dir, "p", &back), -1);
	assert_int_equal(image_variants_make(small_path, dir, "p", &iv, err,
	    sizeof(err)), IMAGE_OK);
	assert_int_equal(image_variants_make(small_path, dir, "p", &iv, err,
	    sizeof(err)), IMAGE_OK);
	assert_int_equal(count_files(dir), 2);

	assert_int_equal(image_variants_read(dir, "p", &back), 0);
	assert_string_equal(back.phone.name, iv.phone.name);
	assert_string_equal(back.thumb.name, iv.thumb.name);
	assert_int_equal(back.phone.width, iv.phone.width);
	assert_int_equal(back.phone.height, iv.phone.height);
	assert_int_equal(back.phone.bytes, iv.phone.bytes);
	assert_int_equal(back.thumb.width, iv.thumb.width);
	assert_int_equal(back.thumb.bytes, iv.thumb.bytes);
	assert_int_equal(back.animated, iv.animated);
	assert_int_equal(back.alpha, iv.alpha);

	/* A thumbnail gone means the variants must be made again. */
	{
		char path[1024];

		snprintf(path, sizeof(path), "%s/%s", dir, iv.thumb.name);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(image_variants_read(dir, "p", &back), -1);
	assert_int_equal(back.phone.bytes, 0);
}

static void
test_png_alpha_kept(void **state)
{
	struct image_variants iv;
	char dir[512], in[512], err[256];
	VipsImage *img;

	(void)state;
	path_in(in, sizeof(in), "alpha.png");
	make_alpha_png(in, 1600, 1200);
	out_dir(dir, sizeof(dir), "alpha");
	assert_int_equal(image_variants_make(in, dir, "a", &iv, err,
	    sizeof(err)), IMAGE_OK);
	assert_true(iv.alpha);
	assert_int_equal(iv.phone.width, 1080);
	assert_int_equal(iv.phone.height, 810);
	img = load_variant(dir, &iv.phone);
	assert_int_equal(vips_image_get_bands(img), 4);
	assert_true(vips_image_hasalpha(img));
	g_object_unref(img);
	img = load_variant(dir, &iv.thumb);
	assert_int_equal(vips_image_get_bands(img), 4);
	g_object_unref(img);
}

static void
test_small_not_upscaled(void **state)
{
	struct image_variants iv;
	char dir[512], err[256];

	(void)state;
	out_dir(dir, sizeof(dir), "small");
	assert_int_equal(image_variants_make(small_path, dir, "s", &iv, err,
	    sizeof(err)), IMAGE_OK);
	assert_int_equal(iv.phone.width, 200);
	assert_int_equal(iv.phone.height, 150);
	assert_int_equal(iv.thumb.width, 200);
	assert_int_equal(iv.thumb.height, 150);
}

/* An animated GIF keeps its frames in the phone variant (animated WebP);
 * the thumbnail is its first frame. */
static void
test_gif_animation_kept(void **state)
{
	struct image_variants iv;
	char dir[512], in[512], err[256];
	VipsImage *img;

	(void)state;
	path_in(in, sizeof(in), "anim.gif");
	make_animated_gif(in, 1200, 600, 3);
	out_dir(dir, sizeof(dir), "anim");
	assert_int_equal(image_variants_make(in, dir, "g", &iv, err,
	    sizeof(err)), IMAGE_OK);
	assert_true(iv.animated);
	assert_int_equal(iv.phone.width, 1080);
	assert_int_equal(iv.phone.height, 540);
	assert_int_equal(iv.thumb.width, 320);
	assert_int_equal(iv.thumb.height, 160);
	img = load_variant(dir, &iv.phone);
	assert_int_equal(vips_image_get_n_pages(img), 3);
	assert_int_equal(vips_image_get_page_height(img), 540);
	g_object_unref(img);
	img = load_variant(dir, &iv.thumb);
	assert_int_equal(vips_image_get_n_pages(img), 1);
	g_object_unref(img);
}

/* Runs one hostile input, expecting a refusal naming `expect` and an
 * output dir left empty. */
static void
expect_refused(const char *in, const char *expect, enum image_status want)
{
	struct image_variants iv;
	char dir[512], err[256];
	double t0 = now_ms();

	out_dir(dir, sizeof(dir), "hostile");
	assert_int_equal(image_variants_make(in, dir, "h", &iv, err,
	    sizeof(err)), want);
	assert_non_null(strstr(err, expect));
	assert_int_equal(count_files(dir), 0);
	assert_int_equal(iv.phone.bytes, 0);
	/* Refused from the header: no time spent decoding. */
	assert_true(now_ms() - t0 < 2000);
}

static void
test_png_bomb_refused(void **state)
{
	unsigned char b[256];
	char in[512];

	(void)state;
	path_in(in, sizeof(in), "bomb.png");
	write_bytes(in, b, make_png_header(b, 65535, 65535, 0));
	expect_refused(in, "65535x65535", IMAGE_ERR_INPUT);
	expect_refused(in, "at most 50 megapixels", IMAGE_ERR_INPUT);
	write_bytes(in, b, make_png_header(b, 10000, 5001, 0));
	expect_refused(in, "10000x5001", IMAGE_ERR_INPUT);
}

/* An interlaced PNG is decoded whole: its limit is lower. */
static void
test_interlaced_limit(void **state)
{
	unsigned char b[256];
	char in[512];

	(void)state;
	path_in(in, sizeof(in), "interlaced.png");
	write_bytes(in, b, make_png_header(b, 5000, 4000, 1));
	expect_refused(in, "at most 16 megapixels for a progressive JPEG",
	    IMAGE_ERR_INPUT);
	/* The same size not interlaced passes the header check and fails
	 * on its (missing) pixels instead. */
	write_bytes(in, b, make_png_header(b, 5000, 4000, 0));
	expect_refused(in, "damaged or truncated", IMAGE_ERR_INPUT);
}

static void
test_truncated_headers_refused(void **state)
{
	static const unsigned char jpeg21[21] = { 0xff, 0xd8, 0xff, 0xe0, 0x00,
	    0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff };
	unsigned char b[256];
	char in[512];

	(void)state;
	path_in(in, sizeof(in), "short.png");
	(void)make_png_header(b, 65535, 65535, 0);
	write_bytes(in, b, 24);
	expect_refused(in, "not a readable", IMAGE_ERR_INPUT);

	path_in(in, sizeof(in), "short.jpg");
	write_bytes(in, jpeg21, sizeof(jpeg21));
	expect_refused(in, "not a readable", IMAGE_ERR_INPUT);

	path_in(in, sizeof(in), "empty.gif");
	write_bytes(in, "", 0);
	expect_refused(in, "not a readable", IMAGE_ERR_INPUT);
}

/* Half a real JPEG: the header is fine, the pixels run out. */
static void
test_truncated_jpeg_refused(void **state)
{
	char in[512], *data;
	FILE *fp;
	long len;

	(void)state;
	assert_non_null(fp = fopen(photo_path, "rb"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	assert_non_null(data = malloc((size_t)len));
	assert_int_equal(fread(data, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	path_in(in, sizeof(in), "half.jpg");
	write_bytes(in, data, (size_t)len / 2);
	free(data);
	expect_refused(in, "damaged or truncated", IMAGE_ERR_INPUT);
}

/* Formats libvips could read but uploads never accept (SVG here: its
 * loader would fetch, render and allocate as the file asks). */
static void
test_other_formats_refused(void **state)
{
	static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"100\" height=\"100\"><rect width=\"100\" height=\"100\"/>"
	    "</svg>\n";
	char in[512];

	(void)state;
	path_in(in, sizeof(in), "pic.svg");
	write_bytes(in, svg, sizeof(svg) - 1);
	expect_refused(in, "not a readable", IMAGE_ERR_INPUT);
	path_in(in, sizeof(in), "text.jpg");
	write_bytes(in, "hello, world\n", 13);
	expect_refused(in, "not a readable", IMAGE_ERR_INPUT);
}

static void
test_bad_arguments(void **state)
{
	struct image_variants iv;
	char dir[512], in[512], err[256];

	(void)state;
	out_dir(dir, sizeof(dir), "args");
	assert_int_equal(image_variants_make(photo_path, dir, "../x", &iv, err,
	    sizeof(err)), IMAGE_ERR_SYSTEM);
	assert_int_equal(image_variants_make(photo_path, dir, ".hidden", &iv,
	    err, sizeof(err)), IMAGE_ERR_SYSTEM);
	assert_int_equal(image_variants_make(photo_path, dir, "", &iv, err,
	    sizeof(err)), IMAGE_ERR_SYSTEM);
	path_in(in, sizeof(in), "missing.jpg");
	assert_int_equal(image_variants_make(in, dir, "m", &iv, err,
	    sizeof(err)), IMAGE_ERR_SYSTEM);
	path_in(in, sizeof(in), "no-such-dir");
	assert_int_equal(image_variants_make(small_path, in, "m", &iv, err,
	    sizeof(err)), IMAGE_ERR_SYSTEM);
	assert_non_null(strstr(err, "could not be stored"));
	assert_int_equal(count_files(dir), 0);
}

/*
 * Repeated conversions of the big photo do not make the process grow:
 * libvips holds no pixels between calls (no cache), and the resident size
 * (the smallest of two runs, as the heap's layout varies a few MB from one
 * run to the next) is the same after runs 5-6 as after runs 2-3.  Leaks of
 * malloc'd memory are LeakSanitizer's to find, in the ASan build.
 */
static void
test_memory_bounded(void **state)
{
	struct image_variants iv;
	char dir[512], err[256];
	size_t vips_before = vips_tracked_get_mem();
	long rss[6], early, late;
	int i;

	(void)state;
	out_dir(dir, sizeof(dir), "mem");
	for (i = 0; i < 6; i++) {
		assert_int_equal(image_variants_make(photo_path, dir, "m", &iv,
		    err, sizeof(err)), IMAGE_OK);
		rss[i] = rss_kib();
	}
	early = rss[1] < rss[2] ? rss[1] : rss[2];
	late = rss[4] < rss[5] ? rss[4] : rss[5];
	print_message("rss after runs 2-3 %ld KiB, after runs 5-6 %ld KiB; "
	    "libvips holds %zu bytes after them, %zu before\n", early, late,
	    vips_tracked_get_mem(), vips_before);
	assert_true(vips_tracked_get_mem() <= vips_before);
#ifndef UNDER_ASAN
	assert_true(late - early < 8 * 1024);
#endif
}

static int
group_setup(void **state)
{
	(void)state;
	log_init("test_image");
	/* First, as in a pool worker: its settings (one malloc arena, one
	 * thread) only hold for threads libvips starts afterwards. */
	if (image_init() != 0 || mkdtemp(tmpdir) == NULL)
		return -1;
	path_in(photo_path, sizeof(photo_path), "photo.jpg");
	make_photo(photo_path, 4000, 3000, 6, 92);
	path_in(small_path, sizeof(small_path), "small.jpg");
	make_photo(small_path, 200, 150, 1, 85);
	return 0;
}

static int
group_teardown(void **state)
{
	static const char *const dirs[] = { "photo", "again", "alpha", "small",
	    "anim", "hostile", "args", "mem" };
	char path[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		path_in(path, sizeof(path), dirs[i]);
		empty_dir(path);
		rmdir(path);
	}
	empty_dir(tmpdir);
	rmdir(tmpdir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_photo_rotated_and_small),
		cmocka_unit_test(test_replaces_and_reads_existing),
		cmocka_unit_test(test_png_alpha_kept),
		cmocka_unit_test(test_small_not_upscaled),
		cmocka_unit_test(test_gif_animation_kept),
		cmocka_unit_test(test_png_bomb_refused),
		cmocka_unit_test(test_interlaced_limit),
		cmocka_unit_test(test_truncated_headers_refused),
		cmocka_unit_test(test_truncated_jpeg_refused),
		cmocka_unit_test(test_other_formats_refused),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_memory_bounded),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
