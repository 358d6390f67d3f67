#ifndef MEMETER_UTF8_H
#define MEMETER_UTF8_H

/*
 * The one UTF-8 reader of memeter: names, titles and client ids all come
 * from people, so every program checks them by the same rule.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes one sequence at s (n > 0 bytes left): its length (1..4) with
 * the code point in *cp, or 0 for a malformed, truncated, overlong or
 * surrogate sequence or one beyond U+10FFFF.
 */
size_t	utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Code points of s[0..len), or -1 if it is not valid UTF-8. */
long	utf8_chars(const char *s, size_t len);

/* C0, DEL and C1 controls: they corrupt screens and logs. */
int	utf8_is_control(uint32_t cp);

/*
 * Characters that make one name look like another on a projector:
 * bidirectional overrides and isolates (U+202A..E, U+2066..9, the LRM,
 * RLM and ALM marks) and invisible ones (zero-width spaces and joiners,
 * word joiner, BOM, soft hyphen).  A display name must not hold them.
 */
int	utf8_is_deceptive(uint32_t cp);

/*
 * A display name (a rater's, a session's): trimmed of white space, valid
 * UTF-8 without control or deceptive characters, 1..maxchars characters.
 * Copies the trimmed name into out (outlen >= 4 * maxchars + 1 always
 * suffices).  0 or -1.
 */
int	utf8_name_clean(const char *in, size_t maxchars, char *out,
	    size_t outlen);

#endif
