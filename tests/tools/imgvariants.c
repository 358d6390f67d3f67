/*
 * imgvariants: makes the phone and thumbnail variants of one image, as an
 * upload does, and prints them with the time taken and the memory used
 * (for manual checks and the figures in docs).
 *
 *   imgvariants [-n COUNT] IN OUTDIR     COUNT conversions in a row (1)
 *
 * The variants are named after IN without its folders and extension.
 * Exit status 0, 1 for a refused image, 2 for usage or system errors.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image.h"
#include "log.h"

/* The resident set size now, in KiB (from /proc/self/statm). */
static long
rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (fp == NULL)
		return -1;
	if (fscanf(fp, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(fp);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static long
peak_rss_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* IN without folders and extension, the name of its variants. */
static void
basename_of(const char *path, char *buf, size_t buflen)
{
	const char *slash = strrchr(path, '/');
	char *dot;

	snprintf(buf, buflen, "%s", slash != NULL ? slash + 1 : path);
	if ((dot = strrchr(buf, '.')) != NULL && dot != buf)
		*dot = '\0';
}

static void
print_variant(const char *what, const struct image_variant *v)
{
	printf("%-6s %s %dx%d %lld bytes\n", what, v->name, v->width,
	    v->height, (long long)v->bytes);
}

int
main(int argc, char *argv[])
{
	struct image_variants iv;
	char base[IMAGE_BASENAME_MAX + 1], err[256];
	double t0, ms;
	int count = 1, i, opt;
	enum image_status rc = IMAGE_OK;

	log_init("imgvariants");
	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n' || (count = atoi(optarg)) < 1) {
			fprintf(stderr, "usage: imgvariants [-n COUNT] IN OUTDIR\n");
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: imgvariants [-n COUNT] IN OUTDIR\n");
		return 2;
	}
	basename_of(argv[optind], base, sizeof(base));
	printf("rss before: %ld KiB\n", rss_kib());
	for (i = 0; i < count; i++) {
		t0 = now_ms();
		rc = image_variants_make(argv[optind], argv[optind + 1], base,
		    &iv, err, sizeof(err));
		ms = now_ms() - t0;
		if (rc != IMAGE_OK) {
			printf("refused (%s): %s\n", rc == IMAGE_ERR_INPUT ?
			    "input" : "system", err);
			break;
		}
		printf("run %d: %.0f ms, rss %ld KiB\n", i + 1, ms, rss_kib());
	}
	if (rc == IMAGE_OK) {
		printf("original %dx%d%s%s\n", iv.orig_width, iv.orig_height,
		    iv.animated ? ", animated" : "", iv.alpha ? ", alpha" : "");
		print_variant("phone", &iv.phone);
		print_variant("thumb", &iv.thumb);
	}
	printf("peak rss: %ld KiB\n", peak_rss_kib());
	return rc == IMAGE_OK ? 0 : rc == IMAGE_ERR_INPUT ? 1 : 2;
}
