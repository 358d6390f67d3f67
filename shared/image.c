/*
 * Image variants with libvips: header check, thumbnail (shrink-on-load,
 * EXIF autorotation, sRGB), WebP encoding under a byte budget, and an
 * atomic write of each file.
 */
#include "image.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vips/vips.h>
#include <webp/mux.h>

#include "log.h"

/*
 * The phone variant should stay well under 300 KB on venue Wi-Fi: each
 * quality is tried in turn until the file fits the budget (a photo fits at
 * the first; only noise-like images go further down).  An image that does
 * not fit even at the last quality is kept at that quality.
 */
#define IMAGE_PHONE_BUDGET	(200 * 1024)
static const int image_phone_qualities[] = { 75, 62, 50, 40 };
#define IMAGE_THUMB_QUALITY	70

/* The loaders we trust; every other one (ImageMagick, SVG, PDF, FITS...)
 * is blocked, whatever the bytes of a file claim to be. */
static const char *const image_loaders[] = {
	"VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadNsgif",
	"VipsForeignLoadWebp",
};

static pthread_once_t	image_once = PTHREAD_ONCE_INIT;
static int		image_ready;

/* libvips warnings (a damaged tile, a bad EXIF block) in our log format. */
static void
image_log_handler(const char *domain, GLogLevelFlags level,
    const char *message, void *data)
{
	(void)domain;
	(void)level;
	(void)data;
	log_warnx("libvips: %s", message);
}

/*
 * One worker thread (a pool worker serves one request at a time, and the
 * machine is shared), no operation cache (nothing repeats across uploads,
 * and a cache would keep decoded pixels and open files alive), and only
 * the loaders of the formats we accept.
 *
 * One malloc arena for the process: libvips works on threads of its own,
 * and glibc gives each thread an arena that keeps memory resident after a
 * conversion (measured after 4000x3000 photos: 37 to 46 MB, varying from
 * one to the next, where one arena stays at 34 MB).  The process's other
 * threads are libvips' own, so the one arena's lock is not contended.
 */
static void
image_init_once(void)
{
	size_t i;

	(void)mallopt(M_ARENA_MAX, 1);
	if (VIPS_INIT("memeter") != 0) {
		log_warnx("%s: vips_init: %s", __func__, vips_error_buffer());
		vips_error_clear();
		return;
	}
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	vips_cache_set_max_mem(0);
	vips_cache_set_max_files(0);
	vips_block_untrusted_set(TRUE);
	vips_operation_block_set("VipsForeignLoad", TRUE);
	for (i = 0; i < sizeof(image_loaders) / sizeof(image_loaders[0]); i++)
		vips_operation_block_set(image_loaders[i], FALSE);
	g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE,
	    image_log_handler, NULL);
	image_ready = 1;
}

int
image_init(void)
{
	pthread_once(&image_once, image_init_once);
	return image_ready ? 0 : -1;
}

/* Logs libvips' error buffer for the operator and clears it. */
static void
image_log_vips(const char *where, const char *path)
{
	const char *msg = vips_error_buffer();
	size_t len = strlen(msg);

	while (len > 0 && msg[len - 1] == '\n')
		len--;
	if (len == 0) {
		msg = "no detail";
		len = strlen(msg);
	}
	log_warnx("%s: %s: %.*s", where, path, (int)len, msg);
	vips_error_clear();
}

int
image_variant_name(const char *basename, int side, char *buf, size_t buflen)
{
	int n = snprintf(buf, buflen, "%s-%d.webp", basename, side);

	return n < 0 || (size_t)n >= buflen ? -1 : 0;
}

/* A basename must name a file inside out_dir, not a path or a hidden file. */
static int
image_basename_ok(const char *basename)
{
	size_t len = strlen(basename);

	return len > 0 && len <= IMAGE_BASENAME_MAX && basename[0] != '.' &&
	    strchr(basename, '/') == NULL;
}

/*
 * A source reading path (its descriptor is libvips' own, closed by the
 * source's unref) into *src.  An empty file is refused here: libvips 8.14
 * aborts on one (it cannot map 0 bytes and asserts in its fallback).
 */
static enum image_status
image_source_open(const char *path, VipsSource **src, char *err,
    size_t errlen)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		log_warn("%s: open %s", __func__, path);
		if (fd != -1)
			close(fd);
		snprintf(err, errlen, "The image could not be read.");
		return IMAGE_ERR_SYSTEM;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		snprintf(err, errlen, "The file is not a readable JPEG, PNG, "
		    "GIF or WebP image.");
		return IMAGE_ERR_INPUT;
	}
	*src = vips_source_new_from_descriptor(fd);	/* dups fd */
	close(fd);
	if (*src == NULL) {
		image_log_vips(__func__, path);
		snprintf(err, errlen, "The image could not be read.");
		return IMAGE_ERR_SYSTEM;
	}
	return IMAGE_OK;
}

/* What the header of an original says, read before any pixel is decoded. */
struct image_header {
	int	width;		/* one frame, as stored (before rotation) */
	int	height;
	int	pages;		/* frames of an animation, else 1 */
	int	orientation;	/* EXIF, 1 (upright) to 8 */
	int	animated;	/* keep the frames in the phone variant */
	int	whole;		/* must be decoded whole, not line by line */
};

/*
 * Reads the header of path and refuses what we will not decode: no
 * trusted loader recognises it, or it has more than IMAGE_MAX_PIXELS.
 */
static enum image_status
image_header_read(const char *path, struct image_header *hdr, char *err,
    size_t errlen)
{
	VipsSource *src;
	VipsImage *img;
	const char *loader = "";
	double pixels;
	enum image_status rc;
	int interlaced = 0;

	if ((rc = image_source_open(path, &src, err, errlen)) != IMAGE_OK)
		return rc;
	img = vips_image_new_from_source(src, "", "access",
	    VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
	VIPS_UNREF(src);
	if (img == NULL) {
		image_log_vips(__func__, path);
		snprintf(err, errlen, "The file is not a readable JPEG, PNG, "
		    "GIF or WebP image.");
		return IMAGE_ERR_INPUT;
	}
	hdr->width = vips_image_get_width(img);
	hdr->height = vips_image_get_height(img);
	hdr->pages = vips_image_get_n_pages(img);
	hdr->orientation = vips_image_get_orientation(img);
	if (vips_image_get_typeof(img, "vips-loader") != 0)
		(void)vips_image_get_string(img, "vips-loader", &loader);
	hdr->animated = hdr->pages > 1 && (strncmp(loader, "gifload", 7) == 0 ||
	    strncmp(loader, "webpload", 8) == 0);
	/* Progressive JPEG and interlaced PNG are decoded whole before the
	 * first line comes out (about 7 bytes a pixel for a progressive
	 * JPEG), and GIF frames into a full RGBA canvas. */
	if (vips_image_get_typeof(img, "interlaced") != 0)
		(void)vips_image_get_int(img, "interlaced", &interlaced);
	hdr->whole = interlaced || strncmp(loader, "gifload", 7) == 0;
	VIPS_UNREF(img);

	pixels = (double)hdr->width * hdr->height;
	if (pixels > IMAGE_MAX_PIXELS) {
		snprintf(err, errlen, "The image is too large (%dx%d pixels; "
		    "at most %d megapixels).", hdr->width, hdr->height,
		    IMAGE_MAX_PIXELS / 1000000);
		return IMAGE_ERR_INPUT;
	}
	if (hdr->whole && pixels > IMAGE_MAX_WHOLE_PIXELS) {
		snprintf(err, errlen, "The image is too large (%dx%d pixels; "
		    "at most %d megapixels for a progressive JPEG, an "
		    "interlaced PNG or a GIF).", hdr->width, hdr->height,
		    IMAGE_MAX_WHOLE_PIXELS / 1000000);
		return IMAGE_ERR_INPUT;
	}
	/* Every frame is decoded for an animated variant: too many, and the
	 * phone gets the first frame alone. */
	if (hdr->animated && pixels * hdr->pages > IMAGE_MAX_PIXELS) {
		log_info("%s: %s: %d frames of %dx%d, kept still", __func__,
		    path, hdr->pages, hdr->width, hdr->height);
		hdr->animated = 0;
	}
	return IMAGE_OK;
}

/*
 * The original scaled down (never up) to fit a side x side box, upright
 * and in sRGB; every frame if all_pages.  A lazy pipeline: nothing is
 * decoded until the result is used.  *out is the caller's to unref.
 */
static enum image_status
image_fit(const char *path, int side, int all_pages, VipsImage **out,
    char *err, size_t errlen)
{
	VipsSource *src;
	enum image_status rc;
	int failed;

	if ((rc = image_source_open(path, &src, err, errlen)) != IMAGE_OK)
		return rc;
	failed = vips_thumbnail_source(src, out, side, "height", side, "size",
	    VIPS_SIZE_DOWN, "option_string",
	    all_pages ? "fail_on=error,n=-1" : "fail_on=error", NULL);
	VIPS_UNREF(src);
	if (failed) {
		image_log_vips(__func__, path);
		snprintf(err, errlen, "The image is damaged or truncated.");
		return IMAGE_ERR_INPUT;
	}
	return IMAGE_OK;
}

/*
 * Removes the EXIF, XMP and ICC chunks from the WebP in *buf (replaced by
 * a new g_malloc'd buffer).  libvips 8.14.1, Debian 12's, ignores the
 * "strip" option of webpsave (fixed in 8.14.2), and would pass on the GPS
 * position of a phone photo; this does not depend on that fix.
 */
static int
image_webp_strip(void **buf, size_t *len)
{
	static const char *const chunks[] = { "EXIF", "XMP ", "ICCP" };
	WebPData in = { *buf, *len }, out;
	WebPMux *mux;
	WebPMuxError mrc = WEBP_MUX_OK;
	size_t i;

	WebPDataInit(&out);
	if ((mux = WebPMuxCreate(&in, 0)) == NULL)
		return -1;
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]) &&
	    (mrc == WEBP_MUX_OK || mrc == WEBP_MUX_NOT_FOUND); i++)
		mrc = WebPMuxDeleteChunk(mux, chunks[i]);
	if (mrc == WEBP_MUX_OK || mrc == WEBP_MUX_NOT_FOUND)
		mrc = WebPMuxAssemble(mux, &out);
	WebPMuxDelete(mux);
	if (mrc != WEBP_MUX_OK) {
		WebPDataClear(&out);
		return -1;
	}
	g_free(*buf);
	*buf = g_memdup2(out.bytes, out.size);
	*len = out.size;
	WebPDataClear(&out);
	return 0;
}

/* img as WebP without metadata into *buf (g_free'd by the caller). */
static enum image_status
image_encode(VipsImage *img, int quality, void **buf, size_t *len,
    const char *path, char *err, size_t errlen)
{
	if (vips_webpsave_buffer(img, buf, len, "Q", quality, "strip", TRUE,
	    NULL) != 0) {
		image_log_vips(__func__, path);
		snprintf(err, errlen, "The image is damaged or truncated.");
		return IMAGE_ERR_INPUT;
	}
	if (image_webp_strip(buf, len) != 0) {
		log_warnx("%s: %s: cannot strip the metadata", __func__, path);
		g_free(*buf);
		*buf = NULL;
		snprintf(err, errlen, "The image could not be converted.");
		return IMAGE_ERR_SYSTEM;
	}
	return IMAGE_OK;
}

/* The phone variant of a still image: the best quality within budget. */
static enum image_status
image_encode_budget(VipsImage *img, void **buf, size_t *len,
    const char *path, char *err, size_t errlen)
{
	size_t i, n = sizeof(image_phone_qualities) /
	    sizeof(image_phone_qualities[0]);
	enum image_status rc;

	for (i = 0; i < n; i++) {
		rc = image_encode(img, image_phone_qualities[i], buf, len, path,
		    err, errlen);
		if (rc != IMAGE_OK || *len <= IMAGE_PHONE_BUDGET || i + 1 == n)
			return rc;
		g_free(*buf);
		*buf = NULL;
	}
	return IMAGE_OK;
}

static int
image_write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Writes buf as dir/name through a temporary file in dir (fsync, then
 * rename), so the final name only ever holds a whole file.  0 or -1.
 */
static int
image_write_file(const char *dir, const char *name, const void *buf,
    size_t len)
{
	char path[4096], tmp[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp),
	    "%s/.%s.XXXXXX", dir, name) >= sizeof(tmp)) {
		log_warnx("%s: path too long in %s", __func__, dir);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("%s: mkstemp %s", __func__, tmp);
		return -1;
	}
	/* nginx, maybe as another user, serves it. */
	if (fchmod(fd, 0644) == -1 || image_write_all(fd, buf, len) == -1 ||
	    fsync(fd) == -1) {
		log_warn("%s: write %s", __func__, tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		log_warn("%s: close/rename to %s", __func__, path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Records one written variant in *v. */
static void
image_variant_fill(struct image_variant *v, VipsImage *img, size_t bytes)
{
	v->width = vips_image_get_width(img);
	v->height = vips_image_get_page_height(img);
	v->bytes = (int64_t)bytes;
}

/* Encodes img (within the phone budget if budget) and writes it as the
 * variant of basename of long side `side`, filling *v. */
static enum image_status
image_variant_write(VipsImage *img, int side, int budget, const char *out_dir,
    const char *basename, struct image_variant *v, const char *path,
    char *err, size_t errlen)
{
	enum image_status rc;
	void *buf = NULL;
	size_t len = 0;

	if (image_variant_name(basename, side, v->name, sizeof(v->name)) != 0) {
		snprintf(err, errlen, "The image name is too long.");
		return IMAGE_ERR_SYSTEM;
	}
	rc = budget ? image_encode_budget(img, &buf, &len, path, err, errlen) :
	    image_encode(img, IMAGE_THUMB_QUALITY, &buf, &len, path, err,
	    errlen);
	if (rc != IMAGE_OK)
		return rc;
	if (image_write_file(out_dir, v->name, buf, len) != 0) {
		g_free(buf);
		snprintf(err, errlen, "The image could not be stored.");
		return IMAGE_ERR_SYSTEM;
	}
	g_free(buf);
	image_variant_fill(v, img, len);
	return IMAGE_OK;
}

/*
 * A still original: decoded once at phone size into memory (at most
 * 1080x1080x4 bytes), which both the phone variant (perhaps encoded more
 * than once to fit its budget) and the thumbnail are made from.
 */
static enum image_status
image_make_still(const char *path, const char *out_dir, const char *basename,
    struct image_variants *out, char *err, size_t errlen)
{
	VipsImage *fit = NULL, *mem = NULL, *thumb = NULL;
	enum image_status rc;

	if ((rc = image_fit(path, IMAGE_PHONE_SIDE, 0, &fit, err, errlen)) !=
	    IMAGE_OK)
		return rc;
	mem = vips_image_copy_memory(fit);
	VIPS_UNREF(fit);
	if (mem == NULL) {
		image_log_vips(__func__, path);
		snprintf(err, errlen, "The image is damaged or truncated.");
		return IMAGE_ERR_INPUT;
	}
	out->alpha = vips_image_hasalpha(mem);
	rc = image_variant_write(mem, IMAGE_PHONE_SIDE, 1, out_dir, basename,
	    &out->phone, path, err, errlen);
	if (rc == IMAGE_OK && vips_thumbnail_image(mem, &thumb,
	    IMAGE_THUMB_SIDE, "height", IMAGE_THUMB_SIDE, "size", VIPS_SIZE_DOWN,
	    NULL) != 0) {
		image_log_vips(__func__, path);
		snprintf(err, errlen, "The image could not be resized.");
		rc = IMAGE_ERR_SYSTEM;
	}
	if (rc == IMAGE_OK)
		rc = image_variant_write(thumb, IMAGE_THUMB_SIDE, 0, out_dir,
		    basename, &out->thumb, path, err, errlen);
	VIPS_UNREF(thumb);
	VIPS_UNREF(mem);
	return rc;
}

/*
 * An animation: the frames stream from the original through the resize
 * into the WebP encoder (they are not held decoded in memory, so the
 * quality is not retried); the thumbnail is the first frame.
 */
static enum image_status
image_make_animated(const char *path, const char *out_dir,
    const char *basename, struct image_variants *out, char *err,
    size_t errlen)
{
	VipsImage *img = NULL;
	enum image_status rc;

	if ((rc = image_fit(path, IMAGE_PHONE_SIDE, 1, &img, err, errlen)) !=
	    IMAGE_OK)
		return rc;
	out->animated = 1;
	out->alpha = vips_image_hasalpha(img);
	rc = image_variant_write(img, IMAGE_PHONE_SIDE, 0, out_dir, basename,
	    &out->phone, path, err, errlen);
	VIPS_UNREF(img);
	if (rc != IMAGE_OK)
		return rc;
	if ((rc = image_fit(path, IMAGE_THUMB_SIDE, 0, &img, err, errlen)) !=
	    IMAGE_OK)
		return rc;
	rc = image_variant_write(img, IMAGE_THUMB_SIDE, 0, out_dir, basename,
	    &out->thumb, path, err, errlen);
	VIPS_UNREF(img);
	return rc;
}

/* Removes the variants of basename that a failed call may have written. */
static void
image_variants_unlink(const char *out_dir, const char *basename)
{
	static const int sides[] = { IMAGE_PHONE_SIDE, IMAGE_THUMB_SIDE };
	char name[IMAGE_NAME_MAX], path[4096];
	size_t i;

	for (i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		if (image_variant_name(basename, sides[i], name,
		    sizeof(name)) != 0 || (size_t)snprintf(path, sizeof(path),
		    "%s/%s", out_dir, name) >= sizeof(path))
			continue;
		if (unlink(path) == -1 && errno != ENOENT)
			log_warn("%s: unlink %s", __func__, path);
	}
}

enum image_status
image_variants_make(const char *original_path, const char *out_dir,
    const char *basename, struct image_variants *out, char *err,
    size_t errlen)
{
	struct image_header hdr;
	enum image_status rc;

	memset(out, 0, sizeof(*out));
	if (errlen > 0)
		err[0] = '\0';
	if (!image_basename_ok(basename)) {
		log_warnx("%s: bad basename \"%s\"", __func__, basename);
		snprintf(err, errlen, "The image name is not valid.");
		return IMAGE_ERR_SYSTEM;
	}
	if (image_init() != 0) {
		snprintf(err, errlen, "Images cannot be processed here.");
		return IMAGE_ERR_SYSTEM;
	}
	if ((rc = image_header_read(original_path, &hdr, err, errlen)) !=
	    IMAGE_OK)
		return rc;
	rc = hdr.animated ?
	    image_make_animated(original_path, out_dir, basename, out, err,
	    errlen) :
	    image_make_still(original_path, out_dir, basename, out, err,
	    errlen);
	/* The conversion's peak goes back to the system, not to a worker
	 * that may serve votes for hours. */
	malloc_trim(0);
	if (rc != IMAGE_OK) {
		image_variants_unlink(out_dir, basename);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	/* EXIF orientations 5 to 8 turn the picture by a quarter. */
	out->orig_width = hdr.orientation >= 5 ? hdr.height : hdr.width;
	out->orig_height = hdr.orientation >= 5 ? hdr.width : hdr.height;
	return IMAGE_OK;
}

/* Fills *v from the header of the variant `side` of basename in out_dir. */
static int
image_variant_read(const char *out_dir, const char *basename, int side,
    struct image_variant *v, int *pages, int *alpha)
{
	char path[4096];
	VipsImage *img;
	struct stat st;

	if (image_variant_name(basename, side, v->name, sizeof(v->name)) != 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", out_dir, v->name) >=
	    sizeof(path) || stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size == 0)
		return -1;
	if ((img = vips_image_new_from_file(path, "access",
	    VIPS_ACCESS_SEQUENTIAL, NULL)) == NULL) {
		image_log_vips(__func__, path);
		return -1;
	}
	v->width = vips_image_get_width(img);
	v->height = vips_image_get_page_height(img);
	v->bytes = (int64_t)st.st_size;
	*pages = vips_image_get_n_pages(img);
	*alpha = vips_image_hasalpha(img);
	VIPS_UNREF(img);
	return 0;
}

int
image_variants_read(const char *out_dir, const char *basename,
    struct image_variants *out)
{
	int pages = 1, alpha = 0, thumb_pages, thumb_alpha;

	memset(out, 0, sizeof(*out));
	if (!image_basename_ok(basename) || image_init() != 0 ||
	    image_variant_read(out_dir, basename, IMAGE_PHONE_SIDE, &out->phone,
	    &pages, &alpha) != 0 ||
	    image_variant_read(out_dir, basename, IMAGE_THUMB_SIDE, &out->thumb,
	    &thumb_pages, &thumb_alpha) != 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->animated = pages > 1;
	out->alpha = alpha;
	return 0;
}
