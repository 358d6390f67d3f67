#ifndef MEMETER_PROGSTART_H
#define MEMETER_PROGSTART_H

struct config;

/*
 * The start every memeter daemon shares: names the log lines, reads the
 * options "-c config -V -h", loads the configuration (-c, else
 * $MEMETER_CONFIG or the installed path; MEMETER_<KEY> overrides) and
 * applies its log_level.  Returns only when the program is to run: -h
 * and -V exit 0, a bad option or argument exits 2 with the usage, a bad
 * configuration exits 1 with a message naming the key.
 */
void	progstart(const char *name, int argc, char *argv[], struct config *cfg);

#endif
