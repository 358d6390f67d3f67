#ifndef MEMETER_NAMES_H
#define MEMETER_NAMES_H

#include <stddef.h>

/* The longest name names_random() makes, with its NUL. */
#define NAMES_MAX	32

/*
 * A random funny two-word name ("Brave Falcon") for a new rater into
 * out (outlen >= NAMES_MAX).  0, or -1 (logged) if the system has no
 * randomness to give.
 */
int	names_random(char *out, size_t outlen);

/* The word lists, for tests: count and the i-th word. */
size_t	names_adjective_count(void);
size_t	names_animal_count(void);
const char *names_adjective(size_t i);
const char *names_animal(size_t i);

#endif
