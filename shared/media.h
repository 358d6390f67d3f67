#ifndef MEMETER_MEDIA_H
#define MEMETER_MEDIA_H

/*
 * The media library: images recognised by their bytes (never their name)
 * and stored once per content in the media directory as <sha256>.<ext>.
 * Their `memes` rows are the store's (store_session_add_images()).
 */

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "token.h"

enum media_type {
	MEDIA_NONE = 0,
	MEDIA_JPEG,
	MEDIA_PNG,
	MEDIA_GIF,
	MEDIA_WEBP,
};

#define MEDIA_TITLE_CHARS	80
#define MEDIA_TITLE_MAX		(MEDIA_TITLE_CHARS * 4 + 1)

/* One recognised image, ready to store and to become a meme. */
struct media_image {
	char		 sha256[SHA256_HEX_LEN + 1];
	char		 filename[SHA256_HEX_LEN + 6];	/* <sha256>.<ext> */
	const char	*mime;				/* static string */
	int		 width;
	int		 height;
	int64_t		 bytes;
	char		 title[MEDIA_TITLE_MAX];
	int		 has_variants;	/* variants below made (media_variants) */
	struct image_variants variants;
};

/* The type of an image from its first bytes, with its pixel size parsed
 * from the header; MEDIA_NONE if the bytes are no image we accept. */
enum media_type media_detect(const void *data, size_t len, int *width,
	    int *height);
const char	*media_type_ext(enum media_type type);
const char	*media_type_mime(enum media_type type);

/* A meme title from an upload's file name: no folders, no extension,
 * '_' as space, no control characters or broken UTF-8, at most
 * MEDIA_TITLE_CHARS characters; "Untitled" if nothing is left. */
void	media_title(const char *filename, char *out, size_t outlen);

/* Recognises data (named filename) and fills img; -1 if it is no image. */
int	media_probe(const void *data, size_t len, const char *filename,
	    struct media_image *img);

/* Writes data as media_dir/img->filename unless that file exists already
 * (same name = same content): temp file, fsync, rename.  0 or -1 (logged). */
int	media_store(const char *media_dir, const void *data, size_t len,
	    const struct media_image *img);

/*
 * Makes (or finds, when an earlier upload made them) the phone and
 * thumbnail variants of the stored original img->filename in media_dir
 * and sets img->variants, img->has_variants and the upright width and
 * height.  An original libvips refuses keeps no variants (logged): it is
 * served as it is, as before.  Never fails the caller.
 */
void	media_variants(const char *media_dir, struct media_image *img);

/*
 * Imports every image file of library_dir (by name order; files that are
 * no image or larger than max_bytes are skipped with a log line) into
 * media_dir, with their variants (media_variants).  *imgs is a malloc'd array the caller frees.  0 or -1.
 */
int	media_scan_library(const char *library_dir, const char *media_dir,
	    size_t max_bytes, struct media_image **imgs, size_t *nimgs);

#endif
