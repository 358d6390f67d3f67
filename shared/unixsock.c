#include "unixsock.h"

#include <string.h>

#include "log.h"

int
unixsock_addr(struct sockaddr_un *sun, const char *path, const char *caller)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len >= sizeof(sun->sun_path)) {
		log_warnx("%s: socket path too long (%zu bytes, at most %zu): %s",
		    caller, len, sizeof(sun->sun_path) - 1, path);
		return -1;
	}
	memcpy(sun->sun_path, path, len + 1);
	return 0;
}
