#ifndef MEMETER_MULTIPART_H
#define MEMETER_MULTIPART_H

/*
 * A multipart/form-data parser (RFC 7578) over a body already in memory:
 * the parts point into the body, nothing is copied but the headers.
 */

#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX	70	/* RFC 2046 */
#define MULTIPART_MAX_PARTS	1000	/* more is refused as malformed */

struct multipart_part {
	char		 name[128];		/* the form field's name */
	char		 filename[256];		/* as sent, "" if none */
	int		 is_file;		/* a filename parameter was sent */
	char		 content_type[128];	/* as sent, "" if none */
	const char	*data;			/* into the body, not owned */
	size_t		 len;
};

/* The boundary parameter of a multipart/form-data Content-Type into
 * out[MULTIPART_BOUNDARY_MAX + 1]; -1 for another type or a bad one. */
int	multipart_boundary(const char *content_type, char *out, size_t outlen);

/*
 * Splits body into its parts.  *parts is a malloc'd array the caller
 * frees (valid while body is); -1 if the body is not well-formed
 * multipart (no boundary, a part without its end, broken headers) or
 * has more than MULTIPART_MAX_PARTS parts (tiny parts must not make the
 * array many times larger than the body).
 */
int	multipart_parse(const char *content_type, const char *body, size_t len,
	    struct multipart_part **parts, size_t *nparts);

#endif
