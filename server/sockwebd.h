/*
 * sockwebd.h: the server's modules. One section per file, in the order a
 * request flows through them, so this header is the table of contents of
 * server/ (see DESIGN.md for the data flow).
 */
#ifndef SOCKWEBD_H
#define SOCKWEBD_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <http_parser.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "common.h"

#define MAX_LISTEN		16
#define REQ_LINE_MAX		8192	/* longer request line: 414 */
#define REQ_HEADERS_MAX		16384	/* more header bytes: 431 */
#define REQ_FIELDS_MAX		100	/* more header fields: 431 */
#define KEEPALIVE_MAX		100	/* requests on one connection */
#define KEEPALIVE_IDLE_MS	5000	/* wait for the next request */
#define LINGER_MS		1000	/* drain after shutdown(SHUT_WR) */

/* options.c: the command line. */
struct config {
	const char	*port;
	const char	*listen[MAX_LISTEN];
	size_t		 nlisten;
	const char	*root;
	unsigned	 max_children;
	unsigned	 timeout_sec;
	const char	*access_log;	/* NULL: stdout */
	bool		 quiet;
	const char	*user;
	bool		 chroot;
	bool		 daemon;
	const char	*pidfile;
	bool		 listing;
	bool		 peer;
	unsigned	 prefork;	/* workers to start; 0: fork per connection */
	bool		 reuseport;	/* SO_REUSEPORT: instances share the port */
	bool		 inetd;		/* -i: serve the connection on stdin */
	bool		 proxy_protocol;	/* every listener expects a PROXY header */
	const char	*proxy_listen[MAX_LISTEN];	/* these ones do */
	size_t		 nproxy_listen;
};
enum options_result { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_USAGE };
enum options_result options_parse(struct config *cfg, int argc, char **argv);
void	options_usage(FILE *fp);

/* listen.c: the passive side: well-known port, one or more interfaces. */
struct listener {
	int			fd;
	struct sockaddr_storage	addr;
	char			name[ADDR_STRLEN];
	bool			proxy;	/* a PROXY protocol header comes first */
};
int	listen_open_all(const struct config *cfg, struct listener *ls, size_t max,
	    size_t *count);
void	listen_close_all(struct listener *ls, size_t count);
int	listen_parse_addr(const char *arg, char *host, size_t hsize, char *port,
	    size_t psize);

/* proxy.c: the PROXY protocol v1/v2 header from a balancer; no I/O. */
#define PROXY_HEADER_MAX	4096	/* a longer v2 header is refused */
enum proxy_result { PROXY_NEED_MORE, PROXY_OK, PROXY_ERROR };
struct proxy_header {
	int			version;	/* 1 or 2 */
	bool			local;		/* no addresses: use the socket's */
	struct sockaddr_storage	src;		/* the client, as the balancer saw it */
	struct sockaddr_storage	dst;		/* the address the client connected to */
	size_t			length;		/* bytes of header before the request */
	const char		*error;		/* why PROXY_ERROR */
};
enum proxy_result proxy_parse(const void *data, size_t len,
	    struct proxy_header *h);

/* activation.c: listening sockets inherited through LISTEN_FDS. */
int	activation_listeners(const struct config *cfg, struct listener *ls,
	    size_t max, size_t *count);

/* loop.c: the parent: poll, accept, fork, reap. */
struct server {
	const struct config	*cfg;
	struct listener		 listeners[MAX_LISTEN];
	size_t			 nlisteners;
	int			 root_fd;
};
int	loop_run(struct server *srv);
int	loop_signals(sigset_t *waitmask);
void	loop_child_signals(void);
extern volatile sig_atomic_t got_chld, got_term, got_hup;

/* prefork.c: --prefork, a pool of workers that accept for themselves. */
int	prefork_run(struct server *srv);

/* request.c: http-parser callbacks fill a struct request; no I/O. */
enum request_state { REQUEST_INCOMPLETE, REQUEST_DONE, REQUEST_ERROR };
struct header {
	size_t	name;		/* offsets into request.arena */
	size_t	value;
};
struct request {
	http_parser		parser;
	enum request_state	state;
	int			status;		/* error status when REQUEST_ERROR */
	unsigned		method;		/* enum http_method */
	unsigned short		major, minor;
	bool			keep_alive;
	bool			started;	/* any byte received */
	char			target[REQ_LINE_MAX + 1];
	size_t			target_len;
	char			arena[REQ_HEADERS_MAX + 2 * REQ_FIELDS_MAX];
	size_t			arena_len;
	struct header		headers[REQ_FIELDS_MAX];
	size_t			nheaders;
	enum { HDR_NONE, HDR_FIELD, HDR_VALUE } last;
	char			head[24];	/* first bytes, to tell 501 from 400 */
	size_t			head_len;
	char			line_tail[16];	/* end of the request line */
	size_t			line_tail_len;
	bool			line_done;
};
void	request_init(struct request *req);
size_t	request_feed(struct request *req, const char *data, size_t len);
const char *request_header(const struct request *req, const char *name);
const char *request_method_name(const struct request *req);

/* path.c: request target -> safe relative path; no I/O. */
#define PATH_OUT_MAX 4096
struct target {
	char	path[PATH_OUT_MAX];	/* "" for the root, else "a/b" */
	bool	trailing_slash;
	const char *query;		/* into the original target, or NULL */
};
int	path_normalize(const char *target, size_t len, struct target *out);

/* file.c: open under the root without ever leaving it. */
struct file {
	int		fd;
	struct stat	st;
	bool		is_dir;
	bool		cached;		/* fd belongs to the open-file cache */
	const char	*data;		/* a small file's bytes, from the cache */
};
int	file_open(int root_fd, const char *path, struct file *f);
int	file_open_cached(int root_fd, const char *path, struct file *f);
int	file_open_index(struct file *dir, struct file *index);
void	file_close(struct file *f);

/* listing.c: an HTML index of a directory. */
int	listing_build(int dir_fd, const char *url_path, struct buf *out);

/* mime.c: file name -> Content-Type. */
const char *mime_type_for(const char *path);

/* range.c: the Range header (RFC 9110 section 14); no I/O. */
enum range_result { RANGE_NONE, RANGE_OK, RANGE_UNSATISFIABLE };
enum range_result range_parse(const char *value, off_t size, off_t *start,
	    off_t *length);

/* response.c: status line, headers and body on the socket. */
struct response {
	int		 status;
	const char	*content_type;
	off_t		 length;	/* body length to send */
	off_t		 total;		/* whole resource, for Content-Range */
	off_t		 offset;
	int		 file_fd;	/* body from a file, or -1 */
	const char	*body;		/* or from memory */
	time_t		 last_modified;	/* or -1 */
	bool		 ranged;
	bool		 ranges;	/* a file: Accept-Ranges: bytes */
	bool		 keep_alive;
	bool		 head;		/* headers only */
	bool		 http09;	/* body only, no status line */
	const char	*location;
	const char	*allow;
	int		 retry_after;	/* seconds, or 0 */
	off_t		 sent;		/* body bytes written, for the log */
};
void	response_init(struct response *r, int status);
const char *response_reason(int status);
int	response_error_page(struct response *r, int status, struct buf *body);
int	response_send(int fd, struct response *r, int timeout_ms);
size_t	response_format_head(const struct response *r, char *out, size_t size);

/* conn.c: the child: one connection, one or more requests. */
struct conn {
	int			 fd;
	const struct server	*srv;
	struct sockaddr_storage	 peer;
	char			 peer_name[ADDR_STRLEN];
	unsigned		 nrequests;
	struct buf		 body;		/* listing, error page, JSON */
	struct buf		 location;	/* Location of a redirect */
};
void	conn_serve(struct conn *c);
void	conn_accepted(const struct server *srv, int fd,
	    const struct sockaddr_storage *peer);

/* handler.c: a parsed request -> a response (status, headers, body). */
void	handler_request(struct conn *c, const struct request *req,
	    struct response *resp, struct file *f);

/* peer.c: GET /_peer, the connection as the server sees it. */
int	peer_json(const struct conn *c, struct buf *out);

/* log.c: the access log, one write(2) per line. */
int	log_access_open(const char *path);
int	log_access_reopen(void);
void	log_access_close(void);
void	log_access(const struct conn *c, const struct request *req,
	    const struct response *resp);
void	log_access_refused(const char *peer_name, int status);

#endif /* SOCKWEBD_H */
