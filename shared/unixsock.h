#ifndef MEMETER_UNIXSOCK_H
#define MEMETER_UNIXSOCK_H

#include <sys/socket.h>
#include <sys/un.h>

/*
 * Fills *sun for path.  0, or -1 (logged, naming caller) when the path
 * does not fit sun_path: a truncated path would name another socket.
 */
int	unixsock_addr(struct sockaddr_un *sun, const char *path,
	    const char *caller);

/* socklen_t of a filled address, for bind/connect/sendto. */
#define UNIXSOCK_LEN(sun)	((socklen_t)sizeof(*(sun)))

#endif
