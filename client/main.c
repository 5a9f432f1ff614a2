/*
 * main.c: sockget, an HTTP/1.0 client. Options, then the job, then its
 * exit code (curl's numbers).
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>

#include "sockget.h"

int
main(int argc, char **argv)
{
	struct options o;
	int rc;

	log_init(argv[0]);
	/* A closed pipe or peer must be an error return (23, 55), not death. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		log_warn("signal SIGPIPE");
	rc = options_parse(&o, argc, argv);
	if (rc == 0)
		rc = run(&o);
	else if (rc < 0)
		rc = EXIT_SUCCESS;
	options_free(&o);
	return rc;
}
