/*
 * The media library: image recognition by magic bytes and header parsing,
 * content-addressed storage and the library folder scan.
 */
#include "media.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

/* Images wider or taller than this are refused as implausible. */
#define MEDIA_MAX_SIDE	65535

static uint32_t
be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le16(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le24(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

/* PNG: signature, then IHDR as the first chunk. */
static int
media_png_size(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };

	if (len < 24 || memcmp(p, sig, 8) != 0 || memcmp(p + 12, "IHDR", 4) != 0)
		return -1;
	*w = be32(p + 16);
	*h = be32(p + 20);
	return 0;
}

/* GIF: "GIF87a"/"GIF89a", then the logical screen size. */
static int
media_gif_size(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h)
{
	if (len < 10 || (memcmp(p, "GIF87a", 6) != 0 &&
	    memcmp(p, "GIF89a", 6) != 0))
		return -1;
	*w = le16(p + 6);
	*h = le16(p + 8);
	return 0;
}

/* JPEG: walk the marker segments to the first start-of-frame. */
static int
media_jpeg_size(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h)
{
	size_t i = 2;
	unsigned char m;

	if (len < 4 || p[0] != 0xff || p[1] != 0xd8 || p[2] != 0xff)
		return -1;
	while (i + 4 <= len) {
		if (p[i] != 0xff)
			return -1;
		m = p[i + 1];
		if (m == 0xff) {		/* fill byte */
			i++;
			continue;
		}
		if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
			i += 2;			/* markers without a length */
			continue;
		}
		if (m == 0xd9 || m == 0xda)	/* end, or scan before a frame */
			return -1;
		/* SOF0..SOF15, except DHT (c4), JPG (c8) and DAC (cc). */
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		    m != 0xcc) {
			if (i + 9 > len)
				return -1;
			*h = be16(p + i + 5);
			*w = be16(p + i + 7);
			return 0;
		}
		if (be16(p + i + 2) < 2)
			return -1;
		i += 2 + be16(p + i + 2);
	}
	return -1;
}

/* WebP: RIFF container with a VP8, VP8L or VP8X first chunk. */
static int
media_webp_size(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h)
{
	if (len < 30 || memcmp(p, "RIFF", 4) != 0 ||
	    memcmp(p + 8, "WEBP", 4) != 0)
		return -1;
	if (memcmp(p + 12, "VP8 ", 4) == 0) {
		/* Lossy: key frame start code, then 14-bit sizes. */
		if (p[23] != 0x9d || p[24] != 0x01 || p[25] != 0x2a)
			return -1;
		*w = le16(p + 26) & 0x3fff;
		*h = le16(p + 28) & 0x3fff;
		return 0;
	}
	if (memcmp(p + 12, "VP8L", 4) == 0) {
		uint32_t bits;

		if (p[20] != 0x2f)
			return -1;
		bits = p[21] | (uint32_t)p[22] << 8 | (uint32_t)p[23] << 16 |
		    (uint32_t)p[24] << 24;
		*w = (bits & 0x3fff) + 1;
		*h = ((bits >> 14) & 0x3fff) + 1;
		return 0;
	}
	if (memcmp(p + 12, "VP8X", 4) == 0) {
		*w = le24(p + 24) + 1;
		*h = le24(p + 27) + 1;
		return 0;
	}
	return -1;
}

enum media_type
media_detect(const void *data, size_t len, int *width, int *height)
{
	static const struct {
		enum media_type type;
		int (*size)(const unsigned char *, size_t, uint32_t *,
		    uint32_t *);
	} parsers[] = {
		{ MEDIA_JPEG, media_jpeg_size },
		{ MEDIA_PNG, media_png_size },
		{ MEDIA_GIF, media_gif_size },
		{ MEDIA_WEBP, media_webp_size },
	};
	uint32_t w, h;

	for (size_t i = 0; i < sizeof(parsers) / sizeof(parsers[0]); i++) {
		if (parsers[i].size(data, len, &w, &h) == -1)
			continue;
		if (w == 0 || h == 0 || w > MEDIA_MAX_SIDE || h > MEDIA_MAX_SIDE)
			return MEDIA_NONE;
		*width = (int)w;
		*height = (int)h;
		return parsers[i].type;
	}
	return MEDIA_NONE;
}

const char *
media_type_ext(enum media_type type)
{
	switch (type) {
	case MEDIA_JPEG:	return "jpg";
	case MEDIA_PNG:		return "png";
	case MEDIA_GIF:		return "gif";
	case MEDIA_WEBP:	return "webp";
	default:		return NULL;
	}
}

const char *
media_type_mime(enum media_type type)
{
	switch (type) {
	case MEDIA_JPEG:	return "image/jpeg";
	case MEDIA_PNG:		return "image/png";
	case MEDIA_GIF:		return "image/gif";
	case MEDIA_WEBP:	return "image/webp";
	default:		return NULL;
	}
}

/* Length of the UTF-8 sequence at s (n bytes left) that a title may
 * keep, 0 if broken, a C1 control or an invisible or bidi character
 * (titles go up on the projector). */
static size_t
media_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len = utf8_decode(s, n, &cp);

	return len > 1 && (utf8_is_control(cp) || utf8_is_deceptive(cp)) ?
	    0 : len;
}

void
media_title(const char *filename, char *out, size_t outlen)
{
	const unsigned char *s;
	const char *base, *dot;
	size_t len, i, n, o = 0, chars = 0;
	int space = 0;

	base = filename != NULL ? filename : "";
	/* Browsers on Windows may send a full path. */
	for (const char *c = base; *c != '\0'; c++)
		if (*c == '/' || *c == '\\')
			base = c + 1;
	dot = strrchr(base, '.');
	len = dot != NULL && dot != base ? (size_t)(dot - base) : strlen(base);
	s = (const unsigned char *)base;
	for (i = 0; i < len && chars < MEDIA_TITLE_CHARS; i += n) {
		n = media_utf8_len(s + i, len - i);
		if (n == 1 && (s[i] == ' ' || s[i] == '_' || s[i] == '\t' ||
		    s[i] == '\n' || s[i] == '\r')) {
			space = o > 0;	/* collapsed, never leading */
			continue;
		}
		if (n == 0 || (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
			n = 1;		/* dropped */
			continue;
		}
		if (o + space + n + 1 > outlen ||
		    chars + space >= MEDIA_TITLE_CHARS)
			break;		/* the space counts as a character */
		if (space) {
			out[o++] = ' ';
			chars++;
			space = 0;
		}
		memcpy(out + o, s + i, n);
		o += n;
		chars++;
	}
	if (o == 0)
		snprintf(out, outlen, "Untitled");
	else
		out[o] = '\0';
}

int
media_probe(const void *data, size_t len, const char *filename,
    struct media_image *img)
{
	enum media_type type;
	const char *ext, *mime;

	memset(img, 0, sizeof(*img));
	type = media_detect(data, len, &img->width, &img->height);
	ext = media_type_ext(type);
	mime = media_type_mime(type);
	if (ext == NULL || mime == NULL)
		return -1;
	token_sha256_hex(data, len, img->sha256);
	snprintf(img->filename, sizeof(img->filename), "%s.%s", img->sha256,
	    ext);
	img->mime = mime;
	img->bytes = (int64_t)len;
	media_title(filename, img->title, sizeof(img->title));
	return 0;
}

static int
media_write_all(int fd, const unsigned char *p, size_t len)
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

int
media_store(const char *media_dir, const void *data, size_t len,
    const struct media_image *img)
{
	char path[1024], tmp[1024];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", media_dir,
	    img->filename) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.upload-XXXXXX", media_dir) >=
	    sizeof(tmp)) {
		log_warnx("%s: media path too long", __func__);
		return -1;
	}
	/* The name is the content hash: an existing file is this content. */
	if (access(path, F_OK) == 0)
		return 0;
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("%s: mkstemp %s", __func__, tmp);
		return -1;
	}
	/* nginx, maybe another user, serves it. */
	if (fchmod(fd, 0644) == -1 || media_write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1) {
		log_warn("%s: write %s", __func__, tmp);
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_warn("%s: close %s", __func__, tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		log_warn("%s: rename to %s", __func__, path);
		goto fail;
	}
	return 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

void
media_variants(const char *media_dir, struct media_image *img)
{
	struct image_variants *v = &img->variants;
	char path[1024], err[256];
	int w = img->width, h = img->height;

	img->has_variants = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", media_dir,
	    img->filename) >= sizeof(path))
		return;
	/* Same content, same name: a second upload or populate reuses them. */
	if (image_variants_read(media_dir, img->sha256, v) == 0) {
		/* The header's size is before EXIF rotation; the phone
		 * variant has the upright shape. */
		if ((w > h) != (v->phone.width > v->phone.height) &&
		    w != h && v->phone.width != v->phone.height) {
			img->width = h;
			img->height = w;
		}
		img->has_variants = 1;
		return;
	}
	if (image_variants_make(path, media_dir, img->sha256, v, err,
	    sizeof(err)) != IMAGE_OK) {
		log_warnx("media: %s keeps no variants: %s", img->filename, err);
		memset(v, 0, sizeof(*v));
		return;
	}
	if (v->orig_width > 0 && v->orig_height > 0) {
		img->width = v->orig_width;
		img->height = v->orig_height;
	}
	img->has_variants = 1;
}

/* Reads a whole regular file of at most max bytes; the caller frees
 * *data.  0, 1 when skipped (too large, not regular), -1 on error. */
static int
media_read_file(int dirfd, const char *name, size_t max, unsigned char **data,
    size_t *len)
{
	struct stat sb;
	unsigned char *buf;
	size_t got = 0;
	ssize_t n;
	int fd, rc = -1;

	*data = NULL;
	/* Symbolic links are followed: the folder is the admin's own. */
	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s: %s", __func__, name);
		return errno == ENOENT ? 1 : -1;
	}
	if (fstat(fd, &sb) == -1) {
		log_warn("%s: fstat %s", __func__, name);
		goto done;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0 ||
	    (size_t)sb.st_size > max) {
		log_info("library: skipping %s (not a regular file, empty or "
		    "larger than %zu bytes)", name, max);
		rc = 1;
		goto done;
	}
	if ((buf = malloc((size_t)sb.st_size)) == NULL)
		goto done;
	while (got < (size_t)sb.st_size) {
		n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)sb.st_size) {
		log_warnx("%s: short read of %s", __func__, name);
		free(buf);
		goto done;
	}
	*data = buf;
	*len = got;
	rc = 0;
done:
	close(fd);
	return rc;
}

static int
media_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The visible entry names of a folder, sorted; caller frees each and the
 * array. */
static int
media_list_dir(DIR *dir, char ***names, size_t *n)
{
	struct dirent *de;
	char **v = NULL, **tmp;
	size_t cnt = 0, cap = 0;

	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			if ((tmp = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto fail;
			v = tmp;
		}
		if ((v[cnt] = strdup(de->d_name)) == NULL)
			goto fail;
		cnt++;
	}
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), media_name_cmp);
	*names = v;
	*n = cnt;
	return 0;
fail:
	log_warnx("%s: out of memory", __func__);
	for (size_t i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
	return -1;
}

int
media_scan_library(const char *library_dir, const char *media_dir,
    size_t max_bytes, struct media_image **imgs, size_t *nimgs)
{
	DIR *dir;
	char **names = NULL;
	struct media_image *out = NULL;
	unsigned char *data;
	size_t n = 0, len = 0, cnt = 0;
	int rc = -1, r;

	*imgs = NULL;
	*nimgs = 0;
	if ((dir = opendir(library_dir)) == NULL) {
		log_warn("%s: %s", __func__, library_dir);
		return -1;
	}
	if (media_list_dir(dir, &names, &n) == -1)
		goto done;
	if (n > 0 && (out = calloc(n, sizeof(*out))) == NULL)
		goto done;
	for (size_t i = 0; i < n; i++) {
		if ((r = media_read_file(dirfd(dir), names[i], max_bytes, &data,
		    &len)) == 1)
			continue;
		if (r == -1)
			goto done;
		if (media_probe(data, len, names[i], &out[cnt]) == -1)
			log_info("library: skipping %s (not a JPEG, PNG, GIF or "
			    "WebP image)", names[i]);
		else if (media_store(media_dir, data, len, &out[cnt]) == -1) {
			free(data);
			goto done;
		} else
			media_variants(media_dir, &out[cnt++]);
		free(data);
	}
	*imgs = out;
	*nimgs = cnt;
	out = NULL;
	rc = 0;
done:
	closedir(dir);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(out);
	return rc;
}
