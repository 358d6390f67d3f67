#ifndef MEMETER_TIMEUTIL_H
#define MEMETER_TIMEUTIL_H

#include <stdint.h>

#define ISO8601_LEN 25	/* "2026-11-25T22:17:24.123Z" + NUL */

/* Now as ISO 8601 UTC with milliseconds into out[ISO8601_LEN]. */
void	 time_iso8601_now(char out[ISO8601_LEN]);

/* Monotonic clock in microseconds, for measuring durations. */
uint64_t time_monotonic_us(void);

/* Wall clock in unix seconds. */
int64_t	 time_unix_now(void);

#endif
