/*
 * sockget.h: the HTTP/1.0 client. One section per file, so this header is
 * the table of contents of client/.
 */
#ifndef SOCKGET_H
#define SOCKGET_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"

/*
 * Exit codes, curl's numbers, so that scripts written for curl can test
 * sockget's status the same way.
 */
enum sg_exit {
	SG_OK = 0,
	SG_UNSUPPORTED_PROTOCOL = 1,
	SG_USAGE = 2,
	SG_URL_MALFORMAT = 3,
	SG_COULDNT_RESOLVE_HOST = 6,
	SG_COULDNT_CONNECT = 7,
	SG_WEIRD_SERVER_REPLY = 8,
	SG_PARTIAL_FILE = 18,
	SG_HTTP_RETURNED_ERROR = 22,
	SG_WRITE_ERROR = 23,
	SG_OUT_OF_MEMORY = 27,
	SG_OPERATION_TIMEDOUT = 28,
	SG_RANGE_ERROR = 33,
	SG_INTERFACE_FAILED = 45,
	SG_SETOPT_OPTION_SYNTAX = 49,
	SG_TOO_MANY_REDIRECTS = 47,
	SG_GOT_NOTHING = 52,
	SG_SEND_ERROR = 55,
	SG_RECV_ERROR = 56,
};

/* options.c: curl-compatible command line. */
struct options_target {
	const char	*url;
	const char	*outfile;	/* -o FILE, "-" for stdout, or NULL */
	bool		 remote_name;	/* -O */
};
struct options {
	struct options_target *targets;
	size_t		 ntargets;
	const char	**outputs;	/* -o/-O in order; NULL entry means -O */
	size_t		 noutputs;
	const char	**headers;	/* -H, verbatim */
	size_t		 nheaders;
	const char	**pins;		/* --resolve HOST:PORT:ADDR[,ADDR] */
	size_t		 npins;
	const char	*user_agent;
	const char	*referer;
	const char	*dns_servers;
	const char	*writeout;	/* -w, after @file is read */
	char		*writeout_owned;
	bool		 include, head, follow, fail, silent, show_error;
	bool		 verbose, resume_auto;
	bool		 http11, location_trusted, parallel;
	const char	*userpwd;	/* -u USER[:PASSWORD] */
	long		 parallel_max;
	int		 family;	/* AF_UNSPEC, AF_INET or AF_INET6 */
	long		 max_redirs;	/* -1: unlimited */
	long long	 resume_from;	/* -C N; -1 when not given */
	long long	 max_time_ms;	/* 0: no limit */
	long long	 connect_timeout_ms;
	int		 local_port_min, local_port_max;	/* 0: any */
};
int	sockget_options_parse(struct options *o, int argc, char **argv);
void	sockget_options_free(struct options *o);
void	options_usage(FILE *f);

/* url.c: http URLs as strings and parts; no I/O. */
enum url_status { URL_OK, URL_MALFORMED, URL_UNSUPPORTED, URL_NOMEM, URL_BAD_IDN };
struct url {
	char	scheme[16];
	char	*host;		/* without the brackets of an IPv6 literal */
	int	 port;
	char	*path;		/* "/..." with query, without fragment */
	char	*user, *password;	/* decoded userinfo, or NULL */
	bool	 ipv6_literal;
	const char *idn_error;	/* libidn2's reason with URL_BAD_IDN */
};
enum url_status url_parse(const char *s, struct url *u);
void	url_free(struct url *u);
char	*url_format(const struct url *u);
char	*url_host_header(const struct url *u);
char	*url_resolve_ref(const struct url *base, const char *ref);
char	*url_remove_dot_segments(const char *path);
char	*url_remote_name(const struct url *u);
char	*url_encode_location(const char *location);
bool	 url_same_origin(const struct url *a, const struct url *b);

/* host.c: numeric IPv4 as curl and browsers read it; IDN to punycode. */
int	host_ipv4_normalize(const char *host, char out[16]);
int	host_normalize(char **host, const char **why);

struct pollfd;

/* resolve.c: every host name through one c-ares channel, in parallel. */
struct resolve_host {
	char	*name;
	struct sockaddr_storage *addrs;
	size_t	 naddrs;
	int	 status;		/* ARES_SUCCESS, ARES_ENOTFOUND, ... */
	bool	 done;
	long long started_us, done_us;
	long long noted_us;		/* -v last said "no answer yet" */
};
struct resolve_pin {
	struct resolve_host h;	/* h.name is the host, or "*" */
	int	 port;
	bool	 wildcard, removed;
};
/* dnstrace.c: -v traces c-ares' UDP and TCP sockets through its hooks. */
#define DNSTRACE_SOCKS 16
#define DNSTRACE_QUERIES 64
struct dnstrace_sock {
	int	 fd, type;
	struct sockaddr_storage peer;
};
struct dnstrace_query {
	unsigned id;
	int	 tries;
	bool	 tcp;			/* sent over TCP already */
	long long sent_us;
};
struct dnstrace {
	struct dnstrace_sock socks[DNSTRACE_SOCKS];
	struct dnstrace_query q[DNSTRACE_QUERIES];
	size_t	 nq;
};
struct resolver {
	struct dnstrace trace;		/* first: its address is c-ares' user data */
	void	*channel;		/* ares_channel */
	int	 family;
	struct resolve_host **hosts;
	size_t	 nhosts;
	struct resolve_pin *pins;
	size_t	 npins;
};
#define RESOLVE_TIMEOUT_MS 2000	/* c-ares' first time-out per server */
#define RESOLVE_TRIES 2
#define RESOLVE_LIMIT_MS 10000	/* a name still unanswered then fails */
int	resolve_init(struct resolver *r, int family, const char *servers);
void	dnstrace_install(struct resolver *r);
int	resolve_push_addr(struct sockaddr_storage **list, size_t *n,
	    const struct sockaddr *sa, size_t len);
void	resolve_start(struct resolver *r, const char *name, int port);
const struct resolve_host *resolve_find(struct resolver *r, const char *name,
	    int port);
int	resolve_wait_for(struct resolver *r, const char *name, int port,
	    long long deadline_us);
#define RESOLVE_MAXFDS 16	/* ARES_GETSOCK_MAXNUM */
int	resolve_pollfds(struct resolver *r, struct pollfd *pfd);
int	resolve_timeout_ms(struct resolver *r, int cap_ms);
int	resolve_limit_ms(const struct resolver *r, int cap_ms);
void	resolve_process(struct resolver *r, const struct pollfd *pfd, int n);
int	resolve_literal(const char *host, struct sockaddr_storage *ss);
void	resolve_free(struct resolver *r);

/* pin.c: --resolve HOST:PORT:ADDR, +HOST, -HOST:PORT, *:PORT:ADDR. */
int	resolve_add_pin(struct resolver *r, const char *spec);
const struct resolve_pin *pin_find(const struct resolver *r, const char *name,
	    int port);

/* connect.c: happy-eyeballs connect from an ephemeral (or chosen) port. */
#define CONNECT_STAGGER_MS 250	/* RFC 8305 section 5 recommends 250 ms */
struct connect_result {
	int	 fd;
	struct sockaddr_storage local, remote;
	int	 error;		/* errno of the last failed attempt */
	char	 what[96];	/* "connect 127.0.0.1:80" for the message */
};
struct connect_state {
	struct sockaddr_storage *order;
	size_t	 n, next, pending;
	int	*fds;		/* one per address, -1 when not in flight */
	int	 lport_min, lport_max;
	long long next_start_us;
	struct connect_result *res;
};
struct pollfd;
int	connect_order(const struct sockaddr_storage *in, size_t n,
	    struct sockaddr_storage *out);
int	connect_begin(struct connect_state *cs, const struct sockaddr_storage *addrs,
	    size_t n, int port, int lport_min, int lport_max,
	    struct connect_result *res);
size_t	connect_pollfds(const struct connect_state *cs, struct pollfd *pfd);
long long connect_next_us(const struct connect_state *cs);
int	connect_step(struct connect_state *cs, const struct pollfd *pfd, size_t np);
void	connect_end(struct connect_state *cs);

/* output.c: where bytes go, and what the user sees on stderr. */
struct output {
	const char *path;	/* NULL or "-": stdout */
	int	 fd;
	bool	 append, opened, failed;
	long long written;
	bool	 progress;		/* draw the bar */
	long long expected;		/* body bytes expected, -1 unknown */
	long long received;
	long long started_us, drawn_us;
	int	 spin;
};
void	output_init(struct output *o, const char *path, bool append);
int	output_open(struct output *o);
int	output_write(struct output *o, const void *data, size_t len);
int	output_close(struct output *o);
void	output_trace(const char *fmt, ...) PRINTF_LIKE(1, 2);
void	output_trace_lines(char prefix, const char *text, size_t len);
bool	output_want_progress(const struct output *o, bool silent);
void	output_progress(struct output *o, bool final);
void	output_set_quiet(bool quiet);
struct output_summary {
	size_t	 total, done, live;
	long long received, started_us, drawn_us;
	bool	 draw;
};
bool	output_want_summary(bool silent);
void	output_summary(struct output_summary *s, bool final);
void	output_error(int code, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* auth.c: Basic credentials (RFC 7617). */
int	auth_basic_header(struct buf *b, const char *user, const char *password);

/* fetch.c: one request and its response over a connected socket. */
struct fetch_stats {
	int	 http_code;
	long long size_download, size_header, size_request;
	long long t_start_us, t_namelookup_us, t_connect_us;
	long long t_starttransfer_us, t_total_us;
	char	 local_ip[ADDR_STRLEN], remote_ip[ADDR_STRLEN];
	int	 local_port, remote_port;
	int	 num_redirects;
	char	*url_effective;
	char	*content_type;
	char	*location;		/* Location of a redirect, absolute or not */
	int	 exitcode;
};
struct fetch_request {
	const struct url *url;
	const struct options *opt;
	bool	 head;
	bool	 follow_now;		/* a 3xx with Location is not output */
	long long range_from;	/* -1: no Range */
	long long deadline_us;
	const char *user, *password;	/* Basic credentials, or NULL */
	bool	 send_credentials;	/* -u, -H Authorization/Cookie go out */
	bool	 custom_host_ok;	/* -H Host: applies (same host name) */
};
struct fetch;
struct fetch *fetch_new(const struct fetch_request *rq, struct output *out,
	    struct fetch_stats *st);
int	fetch_send_some(struct fetch *f, int fd);
int	fetch_recv_some(struct fetch *f, int fd);
int	fetch_timed_out(struct fetch *f);
void	fetch_free(struct fetch *f);
int	fetch_one(int fd, const struct fetch_request *rq, struct output *out,
	    struct fetch_stats *st);

/* compose.c: the request head. */
int	compose_request(struct buf *b, const struct fetch_request *rq);
bool	fetch_is_redirect(int status);

/* writeout.c: -w FORMAT with curl's %{variable} names. */
void	writeout_print(FILE *f, const char *format, const struct fetch_stats *st);

/* The job shared by all transfers: options, one resolver, -u split. */
struct job {
	struct options	*opt;
	struct resolver	 res;
	char		*user, *password;
};

/* target.c: a command-line URL's output, resume offset, credentials. */
int	target_url_error(enum url_status s, const char *text, const struct url *u);
char	*target_outfile(const struct options_target *t, const struct url *u, int *rc);
long long target_resume_offset(const struct options *o, const char *path);
void	target_credentials(const struct job *j, const struct url *first,
	    const struct url *u, struct fetch_request *rq);
int	target_redirect(const struct options *o, struct url *u, struct fetch_stats *st);
void	target_finish(const struct options *o, const char *url, struct fetch_stats *st,
	    int rc);

/* xfer.c: one transfer as a non-blocking state machine. */
enum xfer_state { XF_WAIT, XF_RESOLVE, XF_CONNECT, XF_SEND, XF_RECV, XF_DONE };
struct xfer {
	struct job	*job;
	const struct options_target *t;
	struct url	 url, first;	/* current (after -L) and as given */
	enum url_status	 ustatus;
	char		*path;
	struct output	 out;
	bool		 started_output;
	struct fetch_stats st;
	long long	 range_from;
	enum xfer_state	 state;
	long long	 deadline_us;		/* -m, 0: none */
	long long	 conn_start_us, conn_deadline_us;
	struct connect_state cs;
	struct connect_result cr;
	int		 fd;
	struct fetch	*f;
	int		 rc;
};
void	xfer_init(struct xfer *x, struct job *j, size_t index);
void	xfer_start(struct xfer *x);
void	xfer_step(struct xfer *x, const struct pollfd *pfd, size_t n);
size_t	xfer_max_fds(const struct xfer *x);
size_t	xfer_pollfds(const struct xfer *x, struct pollfd *pfd);
long long xfer_next_us(const struct xfer *x);
void	xfer_free(struct xfer *x);

/* tcpinfo.c: -v at release: TCP_INFO, the first FIN, TIME_WAIT. */
int	tcpinfo_state(int fd);
void	tcpinfo_trace_release(int fd, int state_before, const char *local);

/* run.c: the whole job in one event loop, one or -Z many at a time. */
int	run(struct options *o);

#endif /* SOCKGET_H */
