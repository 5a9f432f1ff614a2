/*
 * main.c: sockget, an HTTP/1.0 client. Options, then the job, then its
 * exit code (curl's numbers).
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "sockget.h"

/*
 * With fd 0, 1 or 2 closed, the first socket would take its number and
 * the body would be written into the connection. A read-only /dev/null
 * there makes writes to a closed stdout fail (exit 23), as curl's
 * main_checkfds does with a pipe.
 */
static void
main_checkfds(void)
{
	int fd;

	/* open() takes the lowest free number: closed 0-2 are filled first */
	while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

int
main(int argc, char **argv)
{
	struct options o;
	int rc;

	main_checkfds();
	log_init(argv[0]);
	/* A closed pipe or peer must be an error return (23, 55), not death. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		log_warn("signal SIGPIPE");
	rc = sockget_options_parse(&o, argc, argv);
	if (rc == 0)
		rc = run(&o);
	else if (rc < 0)
		rc = EXIT_SUCCESS;
	sockget_options_free(&o);
	return rc;
}
