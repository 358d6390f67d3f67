/* Unit tests of the daemons' shared start (shared/progstart.c): options,
 * the configuration and its log level, and how each refusal exits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "progstart.h"

static char conf_path[] = "/tmp/memeter-test-progstart.XXXXXX";

static int
write_conf(void **state)
{
	int fd = mkstemp(conf_path);
	const char text[] = "log_level = debug\nworkers = 3\n";

	(void)state;
	if (fd == -1 || write(fd, text, sizeof(text) - 1) !=
	    (ssize_t)sizeof(text) - 1)
		return -1;
	close(fd);
	unsetenv("MEMETER_WORKERS");
	return 0;
}

static int
remove_conf(void **state)
{
	(void)state;
	unlink(conf_path);
	return 0;
}

/* How progstart() ends the program for argv (in a child): its exit status,
 * or -1 when it returned (the program would run). */
static int
exit_status_of(int argc, char *argv[])
{
	struct config cfg;
	int status, devnull;
	pid_t pid;

	if ((pid = fork()) == 0) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		progstart("memeter-test", argc, argv, &cfg);
		_exit(100);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status) == 100 ? -1 : WEXITSTATUS(status);
}

static void
loads_the_file_and_its_log_level(void **state)
{
	struct config cfg;
	char *argv[] = { "prog", "-c", conf_path, NULL };

	(void)state;
	log_set_level(LOG_LEVEL_WARN);
	progstart("memeter-test", 3, argv, &cfg);
	assert_int_equal(cfg.workers, 3);
	assert_true(log_enabled(LOG_LEVEL_DEBUG));
	setenv("MEMETER_WORKERS", "5", 1);	/* the environment wins */
	progstart("memeter-test", 3, argv, &cfg);
	assert_int_equal(cfg.workers, 5);
	unsetenv("MEMETER_WORKERS");
	log_set_level(LOG_LEVEL_WARN);
}

static void
exits_as_documented(void **state)
{
	char *help[] = { "prog", "-h", NULL };
	char *version[] = { "prog", "-V", NULL };
	char *bad_option[] = { "prog", "-x", NULL };
	char *extra[] = { "prog", "-c", conf_path, "more", NULL };
	char *missing[] = { "prog", "-c", "/nonexistent/memeter.conf", NULL };
	char *good[] = { "prog", "-c", conf_path, NULL };

	(void)state;
	assert_int_equal(exit_status_of(2, help), 0);
	assert_int_equal(exit_status_of(2, version), 0);
	assert_int_equal(exit_status_of(2, bad_option), 2);
	assert_int_equal(exit_status_of(4, extra), 2);
	assert_int_equal(exit_status_of(3, missing), 1);
	setenv("MEMETER_WORKERS", "many", 1);
	assert_int_equal(exit_status_of(3, good), 1);
	unsetenv("MEMETER_WORKERS");
	assert_int_equal(exit_status_of(3, good), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loads_the_file_and_its_log_level),
		cmocka_unit_test(exits_as_documented),
	};

	return cmocka_run_group_tests(tests, write_conf, remove_conf);
}
