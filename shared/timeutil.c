#include "timeutil.h"

#include <stdio.h>
#include <time.h>

void
time_iso8601_now(char out[ISO8601_LEN])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, ISO8601_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, ISO8601_LEN - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

uint64_t
time_monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t
time_unix_now(void)
{
	return (int64_t)time(NULL);
}
