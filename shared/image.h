#ifndef MEMETER_IMAGE_H
#define MEMETER_IMAGE_H

/*
 * Image variants for the network: from one stored original (JPEG, PNG, GIF
 * or WebP), a phone-sized copy and a grid thumbnail, both WebP, upright
 * (EXIF orientation applied), sRGB, with every piece of metadata stripped
 * (phone photos carry GPS positions).  libvips does the work.
 *
 * WebP rather than JPEG: every browser a guest's phone runs in 2026 shows
 * it (Safari since 14), it is about a third smaller than JPEG at the same
 * look, and one format covers photos, alpha and animation alike.
 *
 * Hostile input: only the JPEG, PNG, GIF and WebP loaders of libvips are
 * enabled; an original over the pixel limits below is refused from its
 * header, before any pixel is decoded; a truncated or corrupt one fails as
 * it is decoded ("fail_on=error"); either way nothing is left behind.  An
 * animation whose frames together exceed IMAGE_MAX_PIXELS keeps its first
 * frame only.
 *
 * Process: libvips is set up lazily by the first call (make it in a pool
 * worker after fork(), never in a process that forks afterwards), with one
 * worker thread, no operation cache and one malloc arena for the whole
 * process (mallopt, before libvips starts a thread), and the heap is
 * trimmed after each conversion, so a long-lived worker does not grow.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * The largest original accepted, in pixels: a 48 MP phone photo fits, and
 * is converted in 35 to 50 MB over the process's size at its peak, since
 * baseline JPEG, PNG and WebP stream line by line.  Progressive JPEGs,
 * interlaced PNGs and GIFs are decoded whole (a 12 MP progressive JPEG
 * peaks at 100 MB over), so they have a lower limit.
 */
#define IMAGE_MAX_PIXELS	(50 * 1000 * 1000)
#define IMAGE_MAX_WHOLE_PIXELS	(16 * 1000 * 1000)

/* Long side of the variants, in pixels; smaller originals keep their size. */
#define IMAGE_PHONE_SIDE	1080
#define IMAGE_THUMB_SIDE	320

/* A basename is at most this long (a sha256 in hex is 64). */
#define IMAGE_BASENAME_MAX	100
#define IMAGE_NAME_MAX		(IMAGE_BASENAME_MAX + 16)

#define IMAGE_VARIANT_MIME	"image/webp"

/* What image_variants_make() returns. */
enum image_status {
	IMAGE_OK = 0,
	IMAGE_ERR_INPUT = -1,	/* the original is refused: a 4xx for a client */
	IMAGE_ERR_SYSTEM = -2,	/* could not write a variant: a 5xx */
};

/* One file written, e.g. "<basename>-1080.webp" in out_dir. */
struct image_variant {
	char		name[IMAGE_NAME_MAX];
	int		width;		/* of one frame if animated */
	int		height;
	int64_t		bytes;
};

struct image_variants {
	struct image_variant	phone;	/* long side <= IMAGE_PHONE_SIDE */
	struct image_variant	thumb;	/* long side <= IMAGE_THUMB_SIDE, still */
	int			animated;	/* phone variant keeps the frames */
	int			alpha;		/* both variants keep transparency */
	int			orig_width;	/* upright, as shown */
	int			orig_height;
};

/*
 * Sets libvips up for this process (see "Process" above); the functions
 * below call it themselves, so calling it is only needed to fail early,
 * or to be first in a process that uses libvips for more.  0 or -1.
 */
int	image_init(void);

/*
 * Writes out_dir/<basename>-1080.webp and out_dir/<basename>-320.webp from
 * original_path (each to a temporary name first, then renamed, so a crash
 * never leaves half a file under a final name; an existing variant is
 * replaced) and fills *out.  basename must be a plain file name (no '/', no
 * leading '.').  On failure nothing is left behind, err holds a sentence
 * fit to show a user, and the return value says whose fault it was.
 */
enum image_status image_variants_make(const char *original_path,
	    const char *out_dir, const char *basename,
	    struct image_variants *out, char *err, size_t errlen);

/*
 * Fills *out from the variants of basename already in out_dir (their
 * headers only: cheap), so a library scan need not convert again what it
 * converted before; orig_width and orig_height are left 0.  0, or -1 if
 * either variant is missing or unreadable.
 */
int	image_variants_read(const char *out_dir, const char *basename,
	    struct image_variants *out);

/* The file name of the variant of basename with long side `side`
 * (IMAGE_PHONE_SIDE or IMAGE_THUMB_SIDE) into buf: 0, or -1 if too long. */
int	image_variant_name(const char *basename, int side, char *buf,
	    size_t buflen);

#endif
