/*
 * memeter-demo: writes the demo meme library that `make run` loads on a
 * first start, a dozen 800x600 PNG images drawn right here so the project
 * ships no pictures it did not make.  Each file is named after its meme
 * ("It works on my machine.png") because the library scan takes a meme's
 * title from its file name.
 *
 *   memeter-demo DIR
 *
 * The output is deterministic (fixed seeds, no clock): a rerun writes the
 * same bytes, so the media library's content hashes stay put.
 *
 * Drawing happens on a canvas DEMO_SS times larger on each axis, boxed down
 * at the end: cheap anti-aliasing for circles and slanted edges.  Captions
 * use a 5x7 bitmap font scaled up, white with a black outline, the classic
 * top-and-bottom meme layout.
 */
#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "log.h"

#define DEMO_W		800
#define DEMO_H		600
#define DEMO_SS		3	/* samples per output pixel, per axis */
#define DEMO_MARGIN	24	/* caption distance from the edges */
#define DEMO_CAPTION_H	150	/* tallest caption block */
#define DEMO_POLY_MAX	64	/* vertices of one polygon */
#define DEMO_PI		3.14159265358979323846

struct rgba {
	uint8_t	r, g, b, a;
};

/* 0xRRGGBB as an opaque colour, and with alpha a. */
#define RGB(h)		((struct rgba){ (h) >> 16 & 0xff, (h) >> 8 & 0xff, \
			    (h) & 0xff, 255 })
#define RGBA(h, a)	((struct rgba){ (h) >> 16 & 0xff, (h) >> 8 & 0xff, \
			    (h) & 0xff, (a) })

struct canvas {
	int	 w, h;		/* in samples */
	uint8_t	*px;		/* RGB rows, w * h * 3 bytes */
};

struct pt {
	double	x, y;		/* output pixels */
};

/* --- 5x7 font: seven rows of five bits, the high bit leftmost ------------ */

struct glyph {
	char	c;
	uint8_t	rows[7];
};

static const struct glyph demo_font[] = {
	{ 'A', { 0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11 } },
	{ 'B', { 0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e } },
	{ 'C', { 0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e } },
	{ 'D', { 0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c } },
	{ 'E', { 0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f } },
	{ 'F', { 0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10 } },
	{ 'G', { 0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f } },
	{ 'H', { 0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11 } },
	{ 'I', { 0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e } },
	{ 'J', { 0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c } },
	{ 'K', { 0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11 } },
	{ 'L', { 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f } },
	{ 'M', { 0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11 } },
	{ 'N', { 0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11 } },
	{ 'O', { 0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e } },
	{ 'P', { 0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10 } },
	{ 'Q', { 0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d } },
	{ 'R', { 0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11 } },
	{ 'S', { 0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e } },
	{ 'T', { 0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04 } },
	{ 'U', { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e } },
	{ 'V', { 0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04 } },
	{ 'W', { 0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a } },
	{ 'X', { 0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11 } },
	{ 'Y', { 0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04 } },
	{ 'Z', { 0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f } },
	{ '0', { 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e } },
	{ '1', { 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e } },
	{ '2', { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f } },
	{ '3', { 0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e } },
	{ '4', { 0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02 } },
	{ '5', { 0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e } },
	{ '6', { 0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e } },
	{ '7', { 0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
	{ '8', { 0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e } },
	{ '9', { 0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c } },
	{ '!', { 0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04 } },
	{ '?', { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04 } },
	{ '.', { 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c } },
	{ ',', { 0x00, 0x00, 0x00, 0x00, 0x0c, 0x04, 0x08 } },
	{ ';', { 0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x04, 0x08 } },
	{ ':', { 0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00 } },
	{ '\'', { 0x0c, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00 } },
	{ '-', { 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00 } },
	{ '+', { 0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00 } },
	{ '=', { 0x00, 0x00, 0x1f, 0x00, 0x1f, 0x00, 0x00 } },
	{ '/', { 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00 } },
	{ '(', { 0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02 } },
	{ ')', { 0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08 } },
	{ '<', { 0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02 } },
	{ '>', { 0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08 } },
	{ '$', { 0x04, 0x0f, 0x14, 0x0e, 0x05, 0x1e, 0x04 } },
};

/* The glyph of c (letters in either case), NULL for a space or unknown. */
static const struct glyph *
font_glyph(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	for (size_t i = 0; i < sizeof(demo_font) / sizeof(demo_font[0]); i++)
		if (demo_font[i].c == c)
			return &demo_font[i];
	return NULL;
}

/* --- canvas and shapes (coordinates in output pixels) --------------------- */

static void
canvas_span(struct canvas *c, int sy, double x0, double x1, struct rgba col)
{
	int sx0, sx1;
	uint8_t *p;

	if (sy < 0 || sy >= c->h || col.a == 0)
		return;
	/* A sample belongs to the span when its centre lies inside. */
	sx0 = (int)ceil(x0 * DEMO_SS - 0.5);
	sx1 = (int)ceil(x1 * DEMO_SS - 0.5);
	if (sx0 < 0)
		sx0 = 0;
	if (sx1 > c->w)
		sx1 = c->w;
	if (sx0 >= sx1)
		return;
	p = c->px + ((size_t)sy * (size_t)c->w + (size_t)sx0) * 3;
	for (int sx = sx0; sx < sx1; sx++, p += 3) {
		if (col.a == 255) {
			p[0] = col.r;
			p[1] = col.g;
			p[2] = col.b;
			continue;
		}
		p[0] = (uint8_t)((p[0] * (255 - col.a) + col.r * col.a) / 255);
		p[1] = (uint8_t)((p[1] * (255 - col.a) + col.g * col.a) / 255);
		p[2] = (uint8_t)((p[2] * (255 - col.a) + col.b * col.a) / 255);
	}
}

/* The sample rows whose centres lie in [y0, y1). */
static void
canvas_rows(const struct canvas *c, double y0, double y1, int *sy0, int *sy1)
{
	*sy0 = (int)ceil(y0 * DEMO_SS - 0.5);
	*sy1 = (int)ceil(y1 * DEMO_SS - 0.5);
	if (*sy0 < 0)
		*sy0 = 0;
	if (*sy1 > c->h)
		*sy1 = c->h;
}

static double
sample_y(int sy)
{
	return (sy + 0.5) / DEMO_SS;
}

static void
fill_rect(struct canvas *c, double x0, double y0, double x1, double y1,
    struct rgba col)
{
	int sy0, sy1;

	canvas_rows(c, y0, y1, &sy0, &sy1);
	for (int sy = sy0; sy < sy1; sy++)
		canvas_span(c, sy, x0, x1, col);
}

/* The span of an ellipse on row y; 0 if the row misses it. */
static int
ellipse_span(double cx, double cy, double rx, double ry, double y, double *x0,
    double *x1)
{
	double d;

	if (rx <= 0 || ry <= 0)
		return 0;
	d = (y - cy) / ry;
	if (d <= -1 || d >= 1)
		return 0;
	d = rx * sqrt(1 - d * d);
	*x0 = cx - d;
	*x1 = cx + d;
	return 1;
}

/*
 * Ellipse a minus ellipse b (rx == 0 for none): filled ellipses, rings and
 * the moon's crescent are all this one shape.
 */
static void
fill_ellipse_minus(struct canvas *c, const double a[4], const double b[4],
    struct rgba col)
{
	double ax0, ax1, bx0, bx1, y;
	int sy0, sy1;

	canvas_rows(c, a[1] - a[3], a[1] + a[3], &sy0, &sy1);
	for (int sy = sy0; sy < sy1; sy++) {
		y = sample_y(sy);
		if (!ellipse_span(a[0], a[1], a[2], a[3], y, &ax0, &ax1))
			continue;
		if (!ellipse_span(b[0], b[1], b[2], b[3], y, &bx0, &bx1) ||
		    bx1 <= ax0 || bx0 >= ax1) {
			canvas_span(c, sy, ax0, ax1, col);
			continue;
		}
		if (bx0 > ax0)
			canvas_span(c, sy, ax0, bx0, col);
		if (bx1 < ax1)
			canvas_span(c, sy, bx1, ax1, col);
	}
}

static void
fill_ellipse(struct canvas *c, double cx, double cy, double rx, double ry,
    struct rgba col)
{
	const double a[4] = { cx, cy, rx, ry }, none[4] = { 0, 0, 0, 0 };

	fill_ellipse_minus(c, a, none, col);
}

static void
fill_circle(struct canvas *c, double cx, double cy, double r, struct rgba col)
{
	fill_ellipse(c, cx, cy, r, r, col);
}

static void
fill_ring(struct canvas *c, double cx, double cy, double r_in, double r_out,
    struct rgba col)
{
	const double a[4] = { cx, cy, r_out, r_out }, b[4] = { cx, cy, r_in,
	    r_in };

	fill_ellipse_minus(c, a, b, col);
}

/* Even-odd scanline fill of a polygon of at most DEMO_POLY_MAX vertices. */
static void
fill_poly(struct canvas *c, const struct pt *p, int n, struct rgba col)
{
	double ymin, ymax, y, xs[DEMO_POLY_MAX], t;
	int sy0, sy1, k, i, j;

	if (n < 3 || n > DEMO_POLY_MAX)
		return;
	ymin = ymax = p[0].y;
	for (i = 1; i < n; i++) {
		ymin = fmin(ymin, p[i].y);
		ymax = fmax(ymax, p[i].y);
	}
	canvas_rows(c, ymin, ymax, &sy0, &sy1);
	for (int sy = sy0; sy < sy1; sy++) {
		y = sample_y(sy);
		for (k = 0, i = 0, j = n - 1; i < n; j = i++)
			if ((p[i].y > y) != (p[j].y > y))
				xs[k++] = p[j].x + (y - p[j].y) *
				    (p[i].x - p[j].x) / (p[i].y - p[j].y);
		for (i = 1; i < k; i++)		/* insertion sort: k is small */
			for (j = i; j > 0 && xs[j - 1] > xs[j]; j--) {
				t = xs[j];
				xs[j] = xs[j - 1];
				xs[j - 1] = t;
			}
		for (i = 0; i + 1 < k; i += 2)
			canvas_span(c, sy, xs[i], xs[i + 1], col);
	}
}

/* Turns n points by angle (radians) around (cx, cy). */
static void
pts_rotate(struct pt *p, int n, double cx, double cy, double angle)
{
	double s = sin(angle), co = cos(angle), x, y;

	for (int i = 0; i < n; i++) {
		x = p[i].x - cx;
		y = p[i].y - cy;
		p[i].x = cx + x * co - y * s;
		p[i].y = cy + x * s + y * co;
	}
}

/* A rounded rectangle as a polygon; returns its vertex count (36). */
static int
pts_rrect(struct pt *p, double x0, double y0, double x1, double y1, double r)
{
	const double cx[4] = { x1 - r, x0 + r, x0 + r, x1 - r };
	const double cy[4] = { y1 - r, y1 - r, y0 + r, y0 + r };
	int n = 0;

	for (int q = 0; q < 4; q++)
		for (int k = 0; k <= 8; k++) {
			double a = (q * 90 + k * 90.0 / 8) * DEMO_PI / 180;

			p[n].x = cx[q] + r * cos(a);
			p[n++].y = cy[q] + r * sin(a);
		}
	return n;
}

static void
fill_rrect(struct canvas *c, double x0, double y0, double x1, double y1,
    double r, struct rgba col)
{
	struct pt p[DEMO_POLY_MAX];
	int n;

	n = pts_rrect(p, x0, y0, x1, y1, r);
	fill_poly(c, p, n, col);
}

/* A star of n points (n <= 16) with its first point straight up. */
static void
fill_star(struct canvas *c, double cx, double cy, double r_out, double r_in,
    int n, struct rgba col)
{
	struct pt p[32];

	for (int i = 0; i < 2 * n; i++) {
		double a = -DEMO_PI / 2 + i * DEMO_PI / n, r = i % 2 ? r_in : r_out;

		p[i].x = cx + r * cos(a);
		p[i].y = cy + r * sin(a);
	}
	fill_poly(c, p, 2 * n, col);
}

/* A line of width w with round ends (opaque colours only: the ends
 * overlap the body). */
static void
draw_line(struct canvas *c, double x0, double y0, double x1, double y1,
    double w, struct rgba col)
{
	double dx = x1 - x0, dy = y1 - y0, len = hypot(dx, dy), nx, ny;
	struct pt p[4];

	if (len > 0) {
		nx = -dy / len * w / 2;
		ny = dx / len * w / 2;
		p[0] = (struct pt){ x0 + nx, y0 + ny };
		p[1] = (struct pt){ x1 + nx, y1 + ny };
		p[2] = (struct pt){ x1 - nx, y1 - ny };
		p[3] = (struct pt){ x0 - nx, y0 - ny };
		fill_poly(c, p, 4, col);
	}
	fill_circle(c, x0, y0, w / 2, col);
	fill_circle(c, x1, y1, w / 2, col);
}

static void
draw_polyline(struct canvas *c, const struct pt *p, int n, double w,
    struct rgba col)
{
	for (int i = 0; i + 1 < n; i++)
		draw_line(c, p[i].x, p[i].y, p[i + 1].x, p[i + 1].y, w, col);
}

/*
 * Fills the box with a gradient from colour a to colour b: linear along
 * (x0,y0)->(x1,y1), or radial from (x0,y0) out to the distance of (x1,y1).
 */
struct gradient {
	double		x0, y0, x1, y1;
	struct rgba	a, b;
	int		radial;
};

static void
fill_gradient(struct canvas *c, const struct gradient *g, double bx0,
    double by0, double bx1, double by1)
{
	double dx = g->x1 - g->x0, dy = g->y1 - g->y0, len2 = dx * dx + dy * dy;
	double x, y, t;
	int sy0, sy1, sx0, sx1;
	uint8_t *p;

	canvas_rows(c, by0, by1, &sy0, &sy1);
	sx0 = (int)fmax(0, ceil(bx0 * DEMO_SS - 0.5));
	sx1 = (int)fmin(c->w, ceil(bx1 * DEMO_SS - 0.5));
	for (int sy = sy0; sy < sy1; sy++) {
		y = sample_y(sy);
		p = c->px + ((size_t)sy * (size_t)c->w + (size_t)sx0) * 3;
		for (int sx = sx0; sx < sx1; sx++, p += 3) {
			x = (sx + 0.5) / DEMO_SS;
			if (g->radial)
				t = sqrt(((x - g->x0) * (x - g->x0) +
				    (y - g->y0) * (y - g->y0)) / len2);
			else
				t = ((x - g->x0) * dx + (y - g->y0) * dy) / len2;
			t = fmin(1, fmax(0, t));
			p[0] = (uint8_t)lround(g->a.r + (g->b.r - g->a.r) * t);
			p[1] = (uint8_t)lround(g->a.g + (g->b.g - g->a.g) * t);
			p[2] = (uint8_t)lround(g->a.b + (g->b.b - g->a.b) * t);
		}
	}
}

static void
fill_background(struct canvas *c, double x0, double y0, double x1, double y1,
    uint32_t from, uint32_t to, int radial)
{
	const struct gradient g = { x0, y0, x1, y1, RGB(from), RGB(to), radial };

	fill_gradient(c, &g, 0, 0, DEMO_W, DEMO_H);
}

/* --- deterministic randomness for stars and confetti ---------------------- */

static uint32_t
demo_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static double
demo_frand(uint32_t *s, double lo, double hi)
{
	return lo + (hi - lo) * (demo_rand(s) / 4294967296.0);
}

static void
draw_rays(struct canvas *c, double cx, double cy, int n, struct rgba col)
{
	const double half = DEMO_PI / n / 2;
	struct pt p[3];

	for (int i = 0; i < n; i++) {
		double a = i * 2 * DEMO_PI / n;

		p[0] = (struct pt){ cx, cy };
		p[1] = (struct pt){ cx + 1200 * cos(a - half), cy + 1200 *
		    sin(a - half) };
		p[2] = (struct pt){ cx + 1200 * cos(a + half), cy + 1200 *
		    sin(a + half) };
		fill_poly(c, p, 3, col);
	}
}

static void
draw_confetti(struct canvas *c, uint32_t *seed, int n)
{
	static const uint32_t colours[] = { 0xff006e, 0xfb5607, 0xffbe0b,
	    0x3a86ff, 0x8338ec, 0x06d6a0, 0xffffff };
	struct pt p[4];

	for (int i = 0; i < n; i++) {
		double x = demo_frand(seed, 0, DEMO_W), y = demo_frand(seed, 0,
		    DEMO_H), w = demo_frand(seed, 6, 14);
		uint32_t col = colours[demo_rand(seed) % 7];

		p[0] = (struct pt){ x - w, y - w / 3 };
		p[1] = (struct pt){ x + w, y - w / 3 };
		p[2] = (struct pt){ x + w, y + w / 3 };
		p[3] = (struct pt){ x - w, y + w / 3 };
		pts_rotate(p, 4, x, y, demo_frand(seed, 0, DEMO_PI));
		fill_poly(c, p, 4, RGB(col));
	}
}

/* --- text ------------------------------------------------------------------ */

static double
text_width(const char *s, double scale)
{
	size_t n = strlen(s);

	return n > 0 ? (double)(n * 6 - 1) * scale : 0;
}

/* One pass over the glyph cells, each grown by grow on every side and
 * widened by bold. */
static void
text_pass(struct canvas *c, double x, double y, const char *s, double scale,
    double grow, double bold, struct rgba col)
{
	const struct glyph *g;

	for (size_t i = 0; s[i] != '\0'; i++) {
		if ((g = font_glyph(s[i])) == NULL)
			continue;
		for (int r = 0; r < 7; r++)
			for (int k = 0; k < 5; k++) {
				double gx = x + (double)(i * 6 + (size_t)k) * scale,
				    gy = y + r * scale;

				if (g->rows[r] & (0x10 >> k))
					fill_rect(c, gx - grow, gy - grow,
					    gx + scale + bold + grow,
					    gy + scale + grow, col);
			}
	}
}

/* Text with its top left at (x, y); outline > 0 adds a black outline.
 * Large text gets heavier strokes, the way meme captions look. */
static void
text_draw(struct canvas *c, double x, double y, const char *s, double scale,
    struct rgba col, double outline)
{
	double bold = scale >= 6 ? scale * 0.3 : 0;

	if (outline > 0)
		text_pass(c, x, y, s, scale, outline, bold, RGB(0x000000));
	text_pass(c, x, y, s, scale, 0, bold, col);
}

static void
text_center(struct canvas *c, double cx, double cy, const char *s,
    double scale, struct rgba col, double outline)
{
	text_draw(c, cx - text_width(s, scale) / 2, cy - 3.5 * scale, s, scale,
	    col, outline);
}

#define CAPTION_LINES	3
#define CAPTION_CHARS	64

/* Greedy word wrap at maxchars; the number of lines, or -1 when a word is
 * too long or more than CAPTION_LINES lines are needed. */
static int
caption_wrap(const char *text, size_t maxchars,
    char lines[CAPTION_LINES][CAPTION_CHARS])
{
	const char *p = text, *end;
	size_t len, wlen;
	int n = 0;

	if (maxchars >= CAPTION_CHARS)
		maxchars = CAPTION_CHARS - 1;
	lines[0][0] = '\0';
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, ' ');
		wlen = end != NULL ? (size_t)(end - p) : strlen(p);
		if (wlen > maxchars)
			return -1;
		len = strlen(lines[n]);
		if (len > 0 && len + 1 + wlen > maxchars) {
			if (++n == CAPTION_LINES)
				return -1;
			lines[n][0] = '\0';
			len = 0;
		}
		if (len > 0)
			lines[n][len++] = ' ';
		memcpy(lines[n] + len, p, wlen);
		lines[n][len + wlen] = '\0';
		p += wlen;
	}
	return lines[0][0] != '\0' ? n + 1 : 0;
}

/* A caption block across the top or the bottom, as large as it fits. */
static void
caption(struct canvas *c, const char *text, int bottom)
{
	char lines[CAPTION_LINES][CAPTION_CHARS];
	double s, h = 0, y;
	int n = 0;

	for (s = 12; s >= 3; s--) {
		n = caption_wrap(text, (size_t)((DEMO_W - 2 * DEMO_MARGIN + s) /
		    (6 * s)), lines);
		h = n * 7 * s + (n - 1) * 3 * s;
		if (n > 0 && h <= DEMO_CAPTION_H)
			break;
	}
	if (n <= 0)
		return;
	y = bottom ? DEMO_H - DEMO_MARGIN - h : DEMO_MARGIN;
	for (int i = 0; i < n; i++, y += 10 * s)
		text_draw(c, (DEMO_W - text_width(lines[i], s)) / 2, y,
		    lines[i], s, RGB(0xffffff), fmax(3, s * 0.6));
}

/* --- the memes ------------------------------------------------------------- */

static void
scene_green_build(struct canvas *c, uint32_t *seed)
{
	const struct pt check[3] = { { 338, 302 }, { 384, 348 }, { 466, 252 } };

	fill_background(c, 400, 300, 400, 820, 0x8df5a8, 0x0a5c33, 1);
	draw_rays(c, 400, 300, 18, RGBA(0xffffff, 45));
	draw_confetti(c, seed, 70);
	fill_circle(c, 408, 312, 124, RGBA(0x000000, 70));
	fill_circle(c, 400, 300, 124, RGB(0xffffff));
	fill_ring(c, 400, 300, 106, 116, RGB(0x2ecc71));
	draw_polyline(c, check, 3, 30, RGB(0x1e9e4a));
}

static void
scene_segfault(struct canvas *c, uint32_t *seed)
{
	const double moon[4] = { 630, 300, 100, 100 }, bite[4] = { 672, 268,
	    88, 88 };
	const double cx = 230, cy = 310;

	fill_background(c, 0, 0, 0, DEMO_H, 0x070b26, 0x431a5e, 0);
	for (int i = 0; i < 150; i++) {
		double x = demo_frand(seed, 0, DEMO_W), y = demo_frand(seed, 0,
		    DEMO_H), r = demo_frand(seed, 0.7, 2.4);

		fill_circle(c, x, y, r, RGBA(0xffffff, (uint8_t)demo_frand(seed,
		    90, 255)));
	}
	for (int i = 0; i < 4; i++)		/* a soft glow */
		fill_circle(c, 630, 300, 165 - i * 16, RGBA(0xfff3b0, 10));
	fill_ellipse_minus(c, moon, bite, RGB(0xfff1a8));
	/* An alarm clock showing 3:00. */
	for (int side = -1; side <= 1; side += 2) {
		double a = (-90 + side * 42) * DEMO_PI / 180;

		draw_line(c, cx + side * 70, cy + 100, cx + side * 92, cy + 138,
		    12, RGB(0x8e1b12));
		fill_circle(c, cx + 128 * cos(a), cy + 128 * sin(a), 34,
		    RGB(0xc0392b));
	}
	fill_circle(c, cx, cy, 124, RGB(0xc0392b));
	fill_circle(c, cx, cy, 106, RGB(0xf8f4ea));
	for (int i = 0; i < 12; i++) {
		double a = i * DEMO_PI / 6, r0 = i % 3 ? 90 : 80;

		draw_line(c, cx + r0 * cos(a), cy + r0 * sin(a), cx + 98 *
		    cos(a), cy + 98 * sin(a), i % 3 ? 4 : 7, RGB(0x333333));
	}
	draw_line(c, cx, cy, cx + 58, cy, 13, RGB(0x222222));
	draw_line(c, cx, cy, cx, cy - 82, 8, RGB(0x222222));
	fill_circle(c, cx, cy, 10, RGB(0xc0392b));
}

static void
scene_my_machine(struct canvas *c, uint32_t *seed)
{
	static const char *term[] = { "$ MAKE TEST", "ALL 412 PASSED",
	    "$ GIT PUSH", "CI: FAILED" };
	struct pt base[4] = { { 198, 386 }, { 602, 386 }, { 656, 420 },
	    { 144, 420 } };

	(void)seed;
	fill_background(c, 0, 0, DEMO_W, DEMO_H, 0xffa63c, 0xe83f8f, 0);
	fill_circle(c, 400, 290, 260, RGBA(0xffffff, 40));
	fill_ellipse(c, 400, 428, 280, 20, RGBA(0x000000, 70));
	fill_rrect(c, 226, 150, 574, 392, 16, RGB(0x24242c));
	fill_rect(c, 244, 168, 556, 376, RGB(0x0d1a12));
	for (int i = 0; i < 4; i++)
		text_draw(c, 262, 186 + i * 42, term[i], 3,
		    i == 3 ? RGB(0xff5a5a) : RGB(0x5cff8a), 0);
	fill_rect(c, 262, 186 + 4 * 42, 277, 186 + 4 * 42 + 21,
	    RGB(0x5cff8a));
	fill_poly(c, base, 4, RGB(0xcfd3dc));
	fill_rrect(c, 360, 386, 440, 396, 4, RGB(0x9ea3ad));
}

static void
scene_migration(struct canvas *c, uint32_t *seed)
{
	char label[12];
	double yb, top;

	(void)seed;
	fill_background(c, 0, 0, 0, DEMO_H, 0x6a2c99, 0x1b0838, 0);
	fill_ellipse(c, 400, 452, 170, 26, RGBA(0x000000, 90));
	for (int i = 0; i < 5; i++) {
		uint32_t body = i < 4 ? 0x1fa99d : 0xf4b400;
		uint32_t lid = i < 4 ? 0x8ff3e8 : 0xffe08a;

		yb = 440 - i * 54 - (i == 4 ? 38 : 0);
		top = yb - 38;
		fill_ellipse(c, 400, yb, 112, 24, RGB(body));
		fill_rect(c, 288, top, 512, yb, RGB(body));
		fill_ellipse(c, 400, top, 112, 24, RGB(lid));
		snprintf(label, sizeof(label), "%03d", i + 1);
		text_center(c, 400, yb - 8, label, 3, RGB(i < 4 ? 0x0b3d38 :
		    0x6b4a00), 0);
	}
	for (int i = 0; i < 3; i++)
		draw_line(c, 250 + i * 150, 150 - (i == 1 ? 14 : 0),
		    270 + i * 130, 176 - (i == 1 ? 14 : 0), 8,
		    RGB(0xffe08a));
	text_draw(c, 560, 200, "+1", 9, RGB(0xffe08a), 5);
}

static void
scene_duck(struct canvas *c, uint32_t *seed)
{
	const struct pt tail[3] = { { 262, 318 }, { 214, 250 }, { 318, 292 } };
	const struct pt bubble_tail[3] = { { 628, 180 }, { 660, 196 },
	    { 576, 236 } };
	struct pt wave[41];

	(void)seed;
	fill_background(c, 0, 0, 0, 390, 0x7cc8ff, 0xe1f4ff, 0);
	fill_poly(c, tail, 3, RGB(0xf2b705));
	fill_ellipse(c, 400, 350, 152, 88, RGB(0xffd23f));
	fill_ellipse(c, 370, 338, 86, 46, RGB(0xf2b705));
	fill_circle(c, 485, 232, 70, RGB(0xffd23f));
	fill_ellipse(c, 552, 262, 38, 11, RGB(0xdb6a12));
	fill_ellipse(c, 560, 249, 46, 15, RGB(0xff8c1a));
	fill_circle(c, 505, 214, 15, RGB(0xffffff));
	fill_circle(c, 510, 214, 8, RGB(0x111111));
	fill_circle(c, 513, 210, 3, RGB(0xffffff));
	/* Water in front of the lower body: the duck floats. */
	fill_rect(c, 0, 392, DEMO_W, DEMO_H, RGBA(0x1f78c8, 215));
	for (int row = 0; row < 4; row++) {
		for (int i = 0; i <= 40; i++) {
			wave[i].x = i * 20.0;
			wave[i].y = 398 + row * 46 + 7 * sin(i * 0.7 + row * 1.9);
		}
		draw_polyline(c, wave, 41, 4, RGB(0x8fcaf5));
	}
	fill_ellipse(c, 680, 150, 76, 52, RGB(0xffffff));
	fill_poly(c, bubble_tail, 3, RGB(0xffffff));
	text_center(c, 680, 150, "?", 8, RGB(0x1f78c8), 0);
}

static void
scene_merge_conflict(struct canvas *c, uint32_t *seed)
{
	struct pt left[7] = { { 40, 256 }, { 270, 256 }, { 270, 210 },
	    { 372, 300 }, { 270, 390 }, { 270, 344 }, { 40, 344 } };
	struct pt right[7], split[4] = { { 430, 0 }, { 800, 0 }, { 800, 600 },
	    { 370, 600 } };

	(void)seed;
	for (int i = 0; i < 7; i++)
		right[i] = (struct pt){ DEMO_W - left[i].x, left[i].y };
	fill_background(c, 0, 0, 400, DEMO_H, 0xf0484e, 0x8c0610, 0);
	fill_poly(c, split, 4, RGB(0x1d4ed8));
	fill_circle(c, 400, 300, 300, RGBA(0xffffff, 25));
	for (int i = 0; i < 7; i++) {
		left[i].x += 8, left[i].y += 10;
		right[i].x += 8, right[i].y += 10;
	}
	fill_poly(c, left, 7, RGBA(0x000000, 80));
	fill_poly(c, right, 7, RGBA(0x000000, 80));
	for (int i = 0; i < 7; i++) {
		left[i].x -= 8, left[i].y -= 10;
		right[i].x -= 8, right[i].y -= 10;
	}
	fill_poly(c, left, 7, RGB(0xffffff));
	fill_poly(c, right, 7, RGB(0xffffff));
	text_draw(c, 70, 286, "HEAD", 4, RGB(0xb5121b), 0);
	text_draw(c, DEMO_W - 70 - text_width("MAIN", 4), 286, "MAIN", 4,
	    RGB(0x1d4ed8), 0);
	fill_star(c, 400, 300, 104, 58, 14, RGB(0xffd60a));
	fill_star(c, 400, 300, 64, 36, 14, RGB(0xff7b00));
	text_center(c, 400, 300, "!", 7, RGB(0xffffff), 3);
}

static void
scene_recursion(struct canvas *c, uint32_t *seed)
{
	static const uint32_t colours[] = { 0xff006e, 0xfb5607, 0xffbe0b,
	    0x3a86ff, 0x8338ec };
	struct pt sq[4];
	double side = 1100;

	(void)seed;
	fill_rect(c, 0, 0, DEMO_W, DEMO_H, RGB(0x111111));
	for (int i = 0; i < 18; i++, side *= 0.82) {
		sq[0] = (struct pt){ 400 - side / 2, 300 - side / 2 };
		sq[1] = (struct pt){ 400 + side / 2, 300 - side / 2 };
		sq[2] = (struct pt){ 400 + side / 2, 300 + side / 2 };
		sq[3] = (struct pt){ 400 - side / 2, 300 + side / 2 };
		pts_rotate(sq, 4, 400, 300, i * 11 * DEMO_PI / 180);
		fill_poly(c, sq, 4, RGB(colours[i % 5]));
	}
	fill_star(c, 400, 300, 16, 7, 5, RGB(0xffffff));
}

static void
scene_coffee(struct canvas *c, uint32_t *seed)
{
	const struct pt heart[3] = { { 353, 318 }, { 427, 318 }, { 390, 358 } };
	struct pt steam[21];

	(void)seed;
	fill_background(c, 0, 0, 0, DEMO_H, 0xfff1d6, 0xc98b4e, 0);
	fill_ellipse(c, 400, 452, 200, 34, RGBA(0x000000, 60));
	fill_ellipse(c, 400, 440, 200, 34, RGB(0xfafafa));
	fill_ellipse(c, 400, 436, 130, 18, RGB(0xe4e4e4));
	fill_ring(c, 490, 320, 36, 62, RGB(0xc92a36));
	fill_rrect(c, 298, 222, 492, 436, 34, RGB(0xe63946));
	fill_ellipse(c, 395, 222, 97, 20, RGB(0xf2848c));
	fill_ellipse(c, 395, 224, 84, 14, RGB(0x4a2c17));
	fill_circle(c, 372, 312, 20, RGB(0xffffff));
	fill_circle(c, 408, 312, 20, RGB(0xffffff));
	fill_poly(c, heart, 3, RGB(0xffffff));
	for (int k = 0; k < 3; k++) {
		for (int i = 0; i <= 20; i++) {
			double t = i / 20.0;

			steam[i].x = 355 + k * 40 + 13 * sin(t * 2 * DEMO_PI +
			    k * 1.3);
			steam[i].y = 198 - t * 86 - (k == 1 ? 12 : 0);
		}
		draw_polyline(c, steam, 21, 9, RGB(0xfffaf0));
	}
}

/* One flame: a teardrop leaning by sway, from the bottom edge up. */
static void
draw_flame(struct canvas *c, double x, double w, double h, double sway,
    struct rgba col)
{
	struct pt p[2 * 16 + 2];
	int n = 0;

	for (int i = 0; i <= 16; i++) {
		double t = i / 16.0, hw = w / 2 * (1 - t) * (1 + 1.3 * t);

		p[n++] = (struct pt){ x - hw + sway * t * t, DEMO_H + 4 - t * h };
	}
	for (int i = 15; i >= 0; i--) {
		double t = i / 16.0, hw = w / 2 * (1 - t) * (1 + 1.3 * t);

		p[n++] = (struct pt){ x + hw + sway * t * t, DEMO_H + 4 - t * h };
	}
	fill_poly(c, p, n, col);
}

static void
scene_friday_deploy(struct canvas *c, uint32_t *seed)
{
	static const uint32_t layers[3] = { 0xff4800, 0xff9e00, 0xffe14d };
	double x[15], h[15], sway[15];

	fill_background(c, 0, 0, 0, DEMO_H, 0x230606, 0xa3251b, 0);
	fill_rrect(c, 296, 136, 504, 470, 14, RGB(0x2f3437));
	text_center(c, 400, 168, "PROD", 4, RGB(0xffffff), 0);
	for (int i = 0; i < 4; i++) {
		double y = 196 + i * 64;

		fill_rrect(c, 314, y, 486, y + 48, 6, RGB(0x4a5157));
		fill_circle(c, 340, y + 24, 7, RGB(i == 2 ? 0xff3b30 :
		    0x38e54d));
		for (int k = 0; k < 3; k++)
			fill_rect(c, 372, y + 12 + k * 10, 468, y + 16 + k * 10,
			    RGB(0x262a2d));
	}
	for (int i = 0; i < 15; i++) {
		x[i] = i * 57 + demo_frand(seed, -10, 10);
		h[i] = demo_frand(seed, 150, 290);
		sway[i] = demo_frand(seed, -40, 40);
	}
	for (int l = 0; l < 3; l++)
		for (int i = 0; i < 15; i++)
			draw_flame(c, x[i], 110 * (1 - l * 0.28),
			    h[i] * (1 - l * 0.3), sway[i], RGB(layers[l]));
}

static void
scene_off_by_one(struct canvas *c, uint32_t *seed)
{
	struct pt box[DEMO_POLY_MAX];
	char digit[12];
	int n;

	(void)seed;
	fill_background(c, 0, 0, DEMO_W, DEMO_H, 0x06d6a0, 0x0f6c99, 0);
	for (int i = 0; i < 11; i++) {
		double x = 64 + i * 62, y = i < 10 ? 262 : 286;

		n = pts_rrect(box, x + 5, y + 7, x + 57, y + 59, 8);
		if (i == 10)
			pts_rotate(box, n, x + 26, y + 26, 14 * DEMO_PI / 180);
		fill_poly(c, box, n, RGBA(0x000000, 60));
		n = pts_rrect(box, x, y, x + 52, y + 52, 8);
		if (i == 10)
			pts_rotate(box, n, x + 26, y + 26, 14 * DEMO_PI / 180);
		fill_poly(c, box, n, RGB(i < 10 ? 0xffffff : 0xef476f));
		snprintf(digit, sizeof(digit), "%d", i);
		text_center(c, x + 26, y + 26, digit, i < 10 ? 5 : 3.4,
		    RGB(i < 10 ? 0x073b4c : 0xffffff), 0);
	}
	draw_line(c, 690, 168, 706, 236, 10, RGB(0xffd166));
	{
		const struct pt head[3] = { { 688, 232 }, { 724, 224 },
		    { 712, 268 } };

		fill_poly(c, head, 3, RGB(0xffd166));
	}
	text_center(c, 400, 404, "FOR (I = 0; I <= 10; I++)", 3,
	    RGB(0xffffff), 2);
}

static void
scene_tabs_spaces(struct canvas *c, uint32_t *seed)
{
	const struct pt left[8] = { { 0, 0 }, { 446, 0 }, { 392, 200 },
	    { 432, 212 }, { 372, 402 }, { 412, 414 }, { 362, 600 }, { 0, 600 } };

	(void)seed;
	fill_background(c, 400, 0, 800, 600, 0x3a86ff, 0x1749b8, 0);
	fill_poly(c, left, 8, RGB(0xffbe0b));
	for (int i = 0; i < 3; i++) {
		double y = 226 + i * 80;
		const struct pt head[3] = { { 226, y - 20 }, { 262, y },
		    { 226, y + 20 } };

		draw_line(c, 70, y, 232, y, 11, RGB(0x6b4300));
		fill_poly(c, head, 3, RGB(0x6b4300));
		fill_rect(c, 268, y - 24, 279, y + 24, RGB(0x6b4300));
		for (int k = 0; k < 4; k++)
			fill_circle(c, 530 + k * 52, y, 10, RGB(0xffffff));
	}
	fill_circle(c, 400, 306, 74, RGB(0xffffff));
	fill_circle(c, 400, 306, 64, RGB(0x1b1b1b));
	text_center(c, 400, 306, "VS", 7, RGB(0xff3b3b), 0);
}

static void
scene_ten_of_ten(struct canvas *c, uint32_t *seed)
{
	fill_background(c, 400, 320, 400, 860, 0xa45de8, 0x1e0040, 1);
	draw_rays(c, 400, 320, 24, RGBA(0xffffff, 28));
	draw_confetti(c, seed, 60);
	for (int i = 0; i < 5; i++) {
		double x = 160 + i * 120, y = 338 - 56 * sin(DEMO_PI * i / 4);

		fill_star(c, x + 5, y + 7, 68, 29, 5, RGBA(0x000000, 80));
		fill_star(c, x, y, 68, 29, 5, RGB(0xc1440e));
		fill_star(c, x, y - 2, 56, 23, 5, RGB(0xffd60a));
		fill_star(c, x - 6, y - 8, 22, 9, 5, RGB(0xfff3a3));
	}
}

struct demo_meme {
	const char	*title;		/* the file name, without ".png" */
	const char	*top, *bottom;	/* the captions */
	void		(*draw)(struct canvas *, uint32_t *);
};

static const struct demo_meme demo_memes[] = {
	{ "When the build is green on the first try", "WHEN THE BUILD IS GREEN",
	    "ON THE FIRST TRY", scene_green_build },
	{ "Segfault at 3 AM", "SEGFAULT", "AT 3 AM", scene_segfault },
	{ "It works on my machine", "IT WORKS", "ON MY MACHINE",
	    scene_my_machine },
	{ "One more migration", "ONE MORE", "MIGRATION", scene_migration },
	{ "Rubber duck debugging", "RUBBER DUCK", "DEBUGGING", scene_duck },
	{ "Merge conflict on a Friday", "MERGE CONFLICT", "ON A FRIDAY",
	    scene_merge_conflict },
	{ "Rating memes about rating memes", "RATING MEMES",
	    "ABOUT RATING MEMES", scene_recursion },
	{ "Coffee driven development", "COFFEE DRIVEN", "DEVELOPMENT",
	    scene_coffee },
	{ "Deploy on Friday", "DEPLOY", "ON FRIDAY", scene_friday_deploy },
	{ "Off by one error", "OFF BY ONE", "ERROR", scene_off_by_one },
	{ "Tabs versus spaces", "TABS VERSUS SPACES", "FIGHT!",
	    scene_tabs_spaces },
	{ "Ten out of ten, would rate again", "TEN OUT OF TEN",
	    "WOULD RATE AGAIN", scene_ten_of_ten },
};

/* --- PNG ------------------------------------------------------------------- */

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int
png_chunk(FILE *fp, const char *type, const unsigned char *data, size_t len)
{
	unsigned char hdr[8], tail[4];
	uLong crc;

	put_be32(hdr, (uint32_t)len);
	memcpy(hdr + 4, type, 4);
	crc = crc32(0L, hdr + 4, 4);
	if (len > 0)
		crc = crc32(crc, data, (uInt)len);
	put_be32(tail, (uint32_t)crc);
	if (fwrite(hdr, 1, 8, fp) != 8 || (len > 0 && fwrite(data, 1, len,
	    fp) != len) || fwrite(tail, 1, 4, fp) != 4)
		return -1;
	return 0;
}

static int
png_paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	if (pa <= pb && pa <= pc)
		return a;
	return pb <= pc ? b : c;
}

/*
 * Filters one row with filter type f (0..4) into out; returns the sum of
 * the bytes taken as signed, the usual guess of how well it compresses.
 */
static long
png_filter_row(const uint8_t *row, const uint8_t *prev, size_t len, int f,
    uint8_t *out)
{
	long cost = 0;

	for (size_t i = 0; i < len; i++) {
		int a = i >= 3 ? row[i - 3] : 0, b = prev != NULL ? prev[i] : 0;
		int c = i >= 3 && prev != NULL ? prev[i - 3] : 0, pred;

		switch (f) {
		case 1: pred = a; break;
		case 2: pred = b; break;
		case 3: pred = (a + b) / 2; break;
		case 4: pred = png_paeth(a, b, c); break;
		default: pred = 0; break;
		}
		out[i] = (uint8_t)(row[i] - pred);
		cost += abs((int8_t)out[i]);
	}
	return cost;
}

/* The filtered scanlines of an RGB image; the caller frees the result. */
static uint8_t *
png_filter(const uint8_t *rgb, int w, int h, size_t *rawlen)
{
	size_t stride = (size_t)w * 3;
	uint8_t *raw, *best;
	long cost, best_cost;

	*rawlen = (stride + 1) * (size_t)h;
	if ((raw = malloc(*rawlen)) == NULL || (best = malloc(stride)) ==
	    NULL) {
		free(raw);
		return NULL;
	}
	for (int y = 0; y < h; y++) {
		const uint8_t *row = rgb + stride * (size_t)y;
		const uint8_t *prev = y > 0 ? row - stride : NULL;
		uint8_t *out = raw + (stride + 1) * (size_t)y;

		best_cost = -1;
		for (int f = 0; f < 5; f++) {
			cost = png_filter_row(row, prev, stride, f, out + 1);
			if (best_cost < 0 || cost < best_cost) {
				best_cost = cost;
				out[0] = (uint8_t)f;
				memcpy(best, out + 1, stride);
			}
		}
		memcpy(out + 1, best, stride);
	}
	free(best);
	return raw;
}

/* Writes an 8-bit RGB PNG with a Title text chunk to fp. */
static int
png_write(FILE *fp, const uint8_t *rgb, int w, int h, const char *title)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };
	unsigned char ihdr[13], text[256];
	uint8_t *raw, *z = NULL;
	size_t rawlen, tlen;
	uLongf zlen;
	int rc = -1;

	if ((raw = png_filter(rgb, w, h, &rawlen)) == NULL) {
		log_warnx("%s: out of memory", __func__);
		return -1;
	}
	zlen = compressBound((uLong)rawlen);
	if ((z = malloc(zlen)) == NULL) {
		log_warnx("%s: out of memory", __func__);
		goto done;
	}
	if (compress2(z, &zlen, raw, (uLong)rawlen, 9) != Z_OK) {
		log_warnx("%s: compress2 failed", __func__);
		goto done;
	}
	put_be32(ihdr, (uint32_t)w);
	put_be32(ihdr + 4, (uint32_t)h);
	ihdr[8] = 8;		/* bits per channel */
	ihdr[9] = 2;		/* RGB */
	ihdr[10] = ihdr[11] = ihdr[12] = 0;	/* deflate, adaptive, no interlace */
	tlen = (size_t)snprintf((char *)text, sizeof(text), "Title%c%s", 0,
	    title);
	if (tlen >= sizeof(text))
		tlen = sizeof(text) - 1;
	if (fwrite(sig, 1, 8, fp) != 8 || png_chunk(fp, "IHDR", ihdr, 13) ==
	    -1 || png_chunk(fp, "tEXt", text, tlen) == -1 ||
	    png_chunk(fp, "IDAT", z, zlen) == -1 ||
	    png_chunk(fp, "IEND", NULL, 0) == -1) {
		log_warn("%s: write", __func__);
		goto done;
	}
	rc = 0;
done:
	free(z);
	free(raw);
	return rc;
}

/* Box-filters the canvas down into an RGB image of DEMO_W x DEMO_H. */
static void
canvas_reduce(const struct canvas *c, uint8_t *out)
{
	const int n = DEMO_SS * DEMO_SS;

	for (int y = 0; y < DEMO_H; y++)
		for (int x = 0; x < DEMO_W; x++)
			for (int ch = 0; ch < 3; ch++) {
				int sum = 0;

				for (int dy = 0; dy < DEMO_SS; dy++)
					for (int dx = 0; dx < DEMO_SS; dx++)
						sum += c->px[(((size_t)y *
						    DEMO_SS + (size_t)dy) *
						    (size_t)c->w + (size_t)x *
						    DEMO_SS + (size_t)dx) * 3 +
						    (size_t)ch];
				out[((size_t)y * DEMO_W + (size_t)x) * 3 +
				    (size_t)ch] = (uint8_t)((sum + n / 2) / n);
			}
}

/*
 * Draws one meme and writes DIR/<title>.png, through a hidden temporary
 * file renamed into place, so a library scan never reads half an image.
 */
static int
demo_write(const char *dir, const struct demo_meme *m, struct canvas *c,
    uint8_t *rgb, uint32_t seed)
{
	char path[1024], tmp[1024];
	FILE *fp;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.png", dir, m->title) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.png.tmp",
	    dir, m->title) >= sizeof(tmp)) {
		log_warnx("%s: path too long", __func__);
		return -1;
	}
	memset(c->px, 0, (size_t)c->w * (size_t)c->h * 3);
	m->draw(c, &seed);
	caption(c, m->top, 0);
	caption(c, m->bottom, 1);
	canvas_reduce(c, rgb);
	if ((fp = fopen(tmp, "wb")) == NULL) {
		log_warn("%s: %s", __func__, tmp);
		return -1;
	}
	rc = png_write(fp, rgb, DEMO_W, DEMO_H, m->title);
	if (fclose(fp) == EOF && rc == 0) {
		log_warn("%s: %s", __func__, tmp);
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) == -1) {
		log_warn("%s: rename to %s", __func__, path);
		rc = -1;
	}
	if (rc == -1)
		unlink(tmp);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct canvas c = { DEMO_W * DEMO_SS, DEMO_H * DEMO_SS, NULL };
	uint8_t *rgb;
	int rc = 0;

	log_init("memeter-demo");
	if (argc != 2) {
		fprintf(stderr, "usage: memeter-demo DIR\n"
		    "Writes %zu demo meme images (PNG, %dx%d) into DIR.\n",
		    sizeof(demo_memes) / sizeof(demo_memes[0]), DEMO_W, DEMO_H);
		return 2;
	}
	if (mkdir(argv[1], 0755) == -1 && errno != EEXIST)
		fatal("mkdir %s", argv[1]);
	c.px = malloc((size_t)c.w * (size_t)c.h * 3);
	rgb = malloc((size_t)DEMO_W * DEMO_H * 3);
	if (c.px == NULL || rgb == NULL)
		fatalx("out of memory");
	for (size_t i = 0; i < sizeof(demo_memes) / sizeof(demo_memes[0]); i++)
		if (demo_write(argv[1], &demo_memes[i], &c, rgb,
		    0x9e3779b9u ^ (uint32_t)(i + 1) * 2654435761u) == -1)
			rc = 1;
	free(rgb);
	free(c.px);
	return rc;
}
