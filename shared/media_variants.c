/*
 * The bridge from the media library to shared/image.c (libvips): kept
 * out of media.c so the byte-level code (probe, store, scan) builds and
 * fuzzes without libvips.
 */
#include "media.h"

#include <stdio.h>
#include <string.h>

#include "image.h"
#include "log.h"

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

