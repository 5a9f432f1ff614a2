/*
 * dnstrace.c: the UDP side of the socket model made visible (-v, issue
 * 16). c-ares opens, connects, writes, reads and closes its sockets
 * through these hooks (ares_set_socket_functions), which do the system
 * call and trace it: the UDP socket and its ephemeral port, each datagram
 * sent (to which server, its size, query id, type and name) and received
 * (from whom, size, rcode, answers, after how many ms), a retransmission
 * after a time-out, and the TCP connection c-ares makes when an answer
 * comes back truncated. Of the DNS packet only the 12-byte header is read
 * here; the question's name and type are read with c-ares' own
 * ares_expand_name. Installed only with -v.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <ares.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockget.h"

#define DNS_HEADER_LEN 12

static struct dnstrace_sock *
dnstrace_sock(struct dnstrace *t, int fd)
{
	for (size_t i = 0; i < DNSTRACE_SOCKS; i++)
		if (t->socks[i].fd == fd)
			return &t->socks[i];
	return NULL;
}

static const char *
dnstrace_proto(const struct dnstrace_sock *s)
{
	return s != NULL && s->type == SOCK_STREAM ? "TCP" : "UDP";
}

static ares_socket_t
dnstrace_socket(int domain, int type, int protocol, void *arg)
{
	struct dnstrace *t = arg;
	struct dnstrace_sock *s = dnstrace_sock(t, -1);
	/* c-ares leaves a hooked socket as it gets it: it must not block */
	int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);

	if (fd < 0) {
		output_trace("resolver: socket: %s", strerror(errno));
		return ARES_SOCKET_BAD;
	}
	if (s != NULL) {
		s->fd = fd;
		s->type = type;
	}
	output_trace("resolver: socket(%s, %s) = %d%s", domain == AF_INET6 ? "AF_INET6" :
	    "AF_INET", type == SOCK_STREAM ? "SOCK_STREAM" : "SOCK_DGRAM", fd,
	    type == SOCK_STREAM ? ": DNS over TCP, the answer was truncated" :
	    ": connectionless, one datagram per query");
	return fd;
}

static int
dnstrace_close(ares_socket_t fd, void *arg)
{
	struct dnstrace_sock *s = dnstrace_sock(arg, fd);

	output_trace("resolver: close(%d) (%s)", fd, dnstrace_proto(s));
	if (s != NULL)
		s->fd = -1;
	return close(fd);
}

/* UDP connect() only fixes the peer: no packet leaves. Shows both ends. */
static int
dnstrace_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len,
    void *arg)
{
	struct dnstrace_sock *s = dnstrace_sock(arg, fd);
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	char l[ADDR_STRLEN] = "?", r[ADDR_STRLEN];
	int rc = connect(fd, sa, len), err = errno;

	if (s != NULL)
		memcpy(&s->peer, sa, len < sizeof(s->peer) ? len : sizeof(s->peer));
	if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0)
		addr_format((struct sockaddr *)&local, l, sizeof(l));
	addr_format(sa, r, sizeof(r));
	if (addr_port(sa) == 0) {	/* ares__sortaddrinfo, not a query */
		output_trace("resolver: connect(%d) UDP to %s: only to learn the source "
		    "address for sorting the answers (RFC 6724); no packet is sent", fd, r);
		errno = err;
		return rc;
	}
	output_trace("resolver: connect(%d) %s: local %s (ephemeral) -> DNS server %s%s",
	    fd, dnstrace_proto(s), l, r, rc < 0 && err == EINPROGRESS ?
	    " (in progress)" : rc < 0 ? " failed" : "");
	errno = err;
	return rc;
}

static struct dnstrace_query *
dnstrace_query(struct dnstrace *t, unsigned id)
{
	for (size_t i = 0; i < t->nq; i++)
		if (t->q[i].id == id)
			return &t->q[i];
	if (t->nq == DNSTRACE_QUERIES)
		return NULL;
	memset(&t->q[t->nq], 0, sizeof(t->q[t->nq]));
	t->q[t->nq].id = id;
	return &t->q[t->nq++];
}

/* "A one.example" from the question after the header; "?" if unreadable. */
static void
dnstrace_question(const unsigned char *m, size_t n, char *out, size_t size)
{
	char *name = NULL;
	long enclen = 0;
	unsigned type;

	snprintf(out, size, "?");
	if (n <= DNS_HEADER_LEN || ares_expand_name(m + DNS_HEADER_LEN, m, (int)n,
	    &name, &enclen) != ARES_SUCCESS)
		return;
	if ((size_t)(DNS_HEADER_LEN + enclen + 2) <= n) {
		type = (unsigned)m[DNS_HEADER_LEN + enclen] << 8 | m[DNS_HEADER_LEN + enclen + 1];
		snprintf(out, size, "%s %s", type == 1 ? "A" : type == 28 ? "AAAA" :
		    "type", name);
	}
	ares_free_string(name);
}

static void
dnstrace_sent(struct dnstrace *t, const struct dnstrace_sock *s,
    const unsigned char *m, size_t n, size_t total)
{
	struct dnstrace_query *q;
	char peer[ADDR_STRLEN] = "?", what[300];
	long long now = io_now_us();
	unsigned id;

	if (n < DNS_HEADER_LEN)
		return;
	id = (unsigned)m[0] << 8 | m[1];
	dnstrace_question(m, n, what, sizeof(what));
	if (s != NULL)
		addr_format((const struct sockaddr *)&s->peer, peer, sizeof(peer));
	q = dnstrace_query(t, id);
	if (q != NULL && q->tries > 0 && s != NULL && s->type == SOCK_STREAM && !q->tcp)
		output_trace("resolver: send TCP %s: %zu bytes, query id 0x%04x, %s "
		    "(asked again over TCP: the UDP answer was truncated)", peer, total, id,
		    what);
	else if (q != NULL && q->tries > 0)
		output_trace("resolver: send %s %s: %zu bytes, query id 0x%04x, %s "
		    "(retransmission %d, %lld ms after the first: no answer came)",
		    dnstrace_proto(s), peer, total, id, what, q->tries,
		    (now - q->sent_us) / 1000);
	else
		output_trace("resolver: send %s %s: %zu bytes, query id 0x%04x, %s",
		    dnstrace_proto(s), peer, total, id, what);
	if (q != NULL && q->tries++ == 0)
		q->sent_us = now;
	if (q != NULL && s != NULL && s->type == SOCK_STREAM)
		q->tcp = true;
}

static ares_ssize_t
dnstrace_sendv(ares_socket_t fd, const struct iovec *iov, int iovcnt, void *arg)
{
	struct dnstrace *t = arg;
	const struct dnstrace_sock *s = dnstrace_sock(t, fd);
	unsigned char head[512];
	size_t n = 0, total = 0, skip = s != NULL && s->type == SOCK_STREAM ? 2 : 0;
	ssize_t rc = writev(fd, iov, iovcnt);
	int err = errno;

	for (int i = 0; i < iovcnt; i++) {
		size_t k = iov[i].iov_len < sizeof(head) - n ? iov[i].iov_len : sizeof(head) - n;

		memcpy(head + n, iov[i].iov_base, k);
		n += k;
		total += iov[i].iov_len;
	}
	/* TCP: a 2-byte length comes first (RFC 1035 4.2.2); a short write is shown once */
	if (rc > 0 && n > skip)
		dnstrace_sent(t, s, head + skip, n - skip, total - skip);
	errno = err;
	return rc;
}

static const char *
dnstrace_rcode(unsigned rcode)
{
	static const char *names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
	    "NOTIMP", "REFUSED" };

	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : "rcode";
}

static void
dnstrace_received(struct dnstrace *t, const struct dnstrace_sock *s,
    const unsigned char *m, size_t n, const char *from)
{
	unsigned id = (unsigned)m[0] << 8 | m[1], an = (unsigned)m[6] << 8 | m[7];
	struct dnstrace_query *q = dnstrace_query(t, id);
	long long ms = q != NULL && q->tries > 0 ? (io_now_us() - q->sent_us) / 1000 : -1;

	output_trace("resolver: recv %s %s: %zu bytes, id 0x%04x, %s, %u answer%s, "
	    "after %lld ms%s", dnstrace_proto(s), from, n, id, dnstrace_rcode(m[3] & 15),
	    an, an == 1 ? "" : "s", ms, m[2] & 2 ?
	    "; TRUNCATED (TC bit): c-ares asks again over TCP" : "");
}

static ares_ssize_t
dnstrace_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
    struct sockaddr *from, ares_socklen_t *fromlen, void *arg)
{
	struct dnstrace *t = arg;
	const struct dnstrace_sock *s = dnstrace_sock(t, fd);
	char peer[ADDR_STRLEN] = "?";
	ssize_t n = recvfrom(fd, buf, len, flags, from, fromlen);
	int err = errno;

	if (n > 0 && from != NULL && fromlen != NULL && *fromlen > 0)
		addr_format(from, peer, sizeof(peer));
	else if (n > 0 && s != NULL)
		addr_format((const struct sockaddr *)&s->peer, peer, sizeof(peer));
	if (n >= DNS_HEADER_LEN)
		dnstrace_received(t, s, buf, (size_t)n, peer);
	else if (n > 0)
		output_trace("resolver: recv %s %s: %zd bytes (TCP length prefix)",
		    dnstrace_proto(s), peer, n);
	errno = err;
	return n;
}

static const struct ares_socket_functions dnstrace_functions = {
	.asocket = dnstrace_socket,
	.aclose = dnstrace_close,
	.aconnect = dnstrace_connect,
	.arecvfrom = dnstrace_recvfrom,
	.asendv = dnstrace_sendv,
};

/* With -v: c-ares' socket calls go through the tracing hooks above. */
void
dnstrace_install(struct resolver *r)
{
	if (!log_verbose())
		return;
	for (size_t i = 0; i < DNSTRACE_SOCKS; i++)
		r->trace.socks[i].fd = -1;
	ares_set_socket_functions(r->channel, &dnstrace_functions, &r->trace);
}
