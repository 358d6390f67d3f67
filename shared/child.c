#include "child.h"

#include <sys/wait.h>

#include <stdio.h>
#include <string.h>

uint64_t
child_backoff_next(uint64_t current_us, int died_young, uint64_t min_us,
    uint64_t max_us)
{
	uint64_t next;

	if (!died_young)
		return 0;
	next = current_us == 0 ? min_us : current_us * 2;
	return next > max_us ? max_us : next;
}

void
child_describe_exit(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended with wait status %#x", status);
}
