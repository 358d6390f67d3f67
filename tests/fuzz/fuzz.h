/*
 * What every libFuzzer harness of tests/fuzz/ shares.  Each harness names
 * the sources it is built from in a `fuzz-sources:` line (and extra
 * libraries in `fuzz-libs:`), read by mk/run-fuzz.sh: when a module moves,
 * that line and the harness's includes are all there is to re-point.
 */
#ifndef MEMETER_FUZZ_H
#define MEMETER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant that does not hold is a crash, so libFuzzer keeps the
 * input as a reproducer. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* A copy of data[0..size) in a buffer of exactly size bytes (plus a NUL
 * when nul is set), so ASan sees a read one byte past the end. */
static inline char *
fuzz_dup(const uint8_t *data, size_t size, int nul)
{
	char *p = malloc(size + (nul ? 1 : 0) + (size == 0 && !nul));

	FUZZ_CHECK(p != NULL);
	if (size > 0)
		memcpy(p, data, size);
	if (nul)
		p[size] = '\0';
	return p;
}

/* Splits the input at its first '\n' within max bytes: [0, *head) is the
 * head (a header line, a name), the rest from *tail on the payload.
 * Without such a newline the head is empty. */
static inline void
fuzz_split_line(const uint8_t *data, size_t size, size_t max, size_t *head,
    size_t *tail)
{
	const uint8_t *nl = memchr(data, '\n', size < max ? size : max);

	*head = nl != NULL ? (size_t)(nl - data) : 0;
	*tail = nl != NULL ? *head + 1 : 0;
}

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), 0 if it is
 * broken, overlong, a surrogate or beyond U+10FFFF: the harnesses' own
 * reference, independent of the code under test. */
static inline size_t
fuzz_utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

/* 1 if s[0..n) is valid UTF-8 without C0, DEL or C1 control characters. */
static inline int
fuzz_clean_utf8(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t l;

	for (size_t i = 0; i < n; i += l) {
		if ((l = fuzz_utf8_len(s + i, n - i)) == 0)
			return 0;
		if (l == 1 && (s[i] < 0x20 || s[i] == 0x7f))
			return 0;
		if (l == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)
			return 0;
	}
	return 1;
}

#endif
