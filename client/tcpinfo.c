/*
 * tcpinfo.c: the end of a TCP connection as -v shows it (issue 16). At
 * release the kernel's TCP_INFO gives the round-trip time and its
 * variance, the retransmissions and the segments each way; its state
 * says who sent the first FIN. A server that closed first leaves us in
 * CLOSE_WAIT (our FIN is the passive close: LAST_ACK, then CLOSED); when
 * we close first, our end goes through FIN_WAIT to TIME_WAIT, 2 MSL (60 s
 * on Linux).
 */
#include "config.h"

#include <netinet/in.h>
#include <linux/tcp.h>	/* glibc's struct tcp_info lacks tcpi_segs_in/out */
#include <errno.h>
#include <string.h>

#include "sockget.h"

/* tcpi_state values (the kernel's TCP_CLOSE_WAIT etc., not in uapi) */
#define TCPINFO_CLOSE_WAIT 8
#define TCPINFO_LAST_ACK 9

static int
read_info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len);
}

/* The connection's TCP state now (tcpi_state), -1 if unknown. */
int
tcpinfo_state(int fd)
{
	struct tcp_info ti;

	return read_info(fd, &ti) < 0 ? -1 : ti.tcpi_state;
}

/*
 * After our shutdown(SHUT_WR): traces fd's TCP_INFO and who sent the first
 * FIN; state_before is tcpi_state just before it, local is "ip:port". The
 * server's FIN was first if it was in before ours went (CLOSE_WAIT), or
 * came in between (our FIN then moved CLOSE_WAIT to LAST_ACK).
 */
void
tcpinfo_trace_release(int fd, int state_before, const char *local)
{
	struct tcp_info ti;

	if (read_info(fd, &ti) < 0) {
		output_trace("getsockopt TCP_INFO: %s", strerror(errno));
		return;
	}
	output_trace("TCP_INFO: rtt %u.%03u ms (variance %u.%03u ms), %u retransmitted, "
	    "%u segments in, %u out", ti.tcpi_rtt / 1000, ti.tcpi_rtt % 1000,
	    ti.tcpi_rttvar / 1000, ti.tcpi_rttvar % 1000, ti.tcpi_total_retrans,
	    ti.tcpi_segs_in, ti.tcpi_segs_out);
	if (state_before == TCPINFO_CLOSE_WAIT || ti.tcpi_state == TCPINFO_LAST_ACK)
		output_trace("the server sent the first FIN (its end waits in TIME_WAIT); "
		    "ours is the passive close: LAST_ACK, then CLOSED, no TIME_WAIT here");
	else
		output_trace("this side sent the first FIN (the active close): %s goes to "
		    "FIN_WAIT, then, once the server's FIN comes, waits in TIME_WAIT for "
		    "2 MSL (60 s), so that a late segment of this connection is not taken "
		    "for one of a new connection with the same ports, and the last ACK "
		    "can be sent again if it was lost", local);
}
