#ifndef MEMETER_CHILD_H
#define MEMETER_CHILD_H

#include <stddef.h>
#include <stdint.h>

/*
 * What a parent of long-lived child processes needs (the worker pool,
 * pushd's master).
 */

/* The pause before restarting a child that ended: none after one that
 * had lived, else doubling from min_us to max_us while children keep
 * dying young, so that one that cannot start does not spin the machine. */
uint64_t	child_backoff_next(uint64_t current_us, int died_young,
		    uint64_t min_us, uint64_t max_us);

/* How a child ended, from its wait(2) status, for a log line
 * ("exited with status 1", "was killed by signal 9 (Killed)"). */
void		child_describe_exit(int status, char *buf, size_t len);

#endif
