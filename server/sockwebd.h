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
#define MAX_EXTRA_HEADERS	32	/* --header lines */

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
	/* issue 14: response features */
	const char	*headers[MAX_EXTRA_HEADERS];	/* --header lines */
	size_t		 nheaders;
	bool		 cors;		/* --cors */
	long		 max_age;	/* --max-age, or -1 */
	bool		 no_symlinks;	/* --no-symlinks: never follow a link */
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
/* The same header over reads of any size (an event-driven connection). */
struct proxy_state {
	bool			wait;		/* the header is still to come */
	char			*buf;		/* only while a read cut it */
	size_t			len;
	struct proxy_header	header;		/* once !wait */
};
void	proxy_state_init(struct proxy_state *st, bool wait);
ssize_t	proxy_state_feed(struct proxy_state *st, const char *data, size_t len);
void	proxy_state_free(struct proxy_state *st);

/* proxy_io.c: the PROXY header off a blocking connection, nothing more. */
int	proxy_read_header(int fd, long long deadline_ms, struct proxy_header *h,
	    const char **why);
void	proxy_refuse(int fd, const char *peer_name, int timeout_ms);

/* activation.c: listening sockets inherited through LISTEN_FDS. */
int	activation_listeners(const struct config *cfg, struct listener *ls,
	    size_t max, size_t *count);

/* upgrade.c: SIGUSR2 starts the binary anew on the same sockets. */
int	upgrade_prepare(char **argv, const struct listener *ls, size_t count);
int	upgrade_signal(void);
void	upgrade_start(void);	/* async-signal-safe */
void	upgrade_take_over(void);

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
void	file_set_symlinks(bool follow);
void	file_force_walk(bool walk);
int	file_open(int root_fd, const char *path, struct file *f);
int	file_open_cached(int root_fd, const char *path, struct file *f);
int	file_open_index(struct file *dir, struct file *index, bool *missing);
void	file_close(struct file *f);

/* listing.c: a directory's entries, sorted; listing_html.c, listing_json.c. */
#define LISTING_MAX 200000	/* entries read; more are counted, not listed */
enum listing_key { LISTING_BY_NAME, LISTING_BY_SIZE, LISTING_BY_MTIME };
struct listing_sort {
	enum listing_key	key;
	bool			descending;
};
struct listing_entry {
	char	*name;
	bool	 is_dir;
	off_t	 size;
	time_t	 mtime;
};
struct listing {
	struct listing_entry	*e;
	size_t			 n, cap;
	size_t			 unread;	/* entries beyond LISTING_MAX */
};
void	listing_sort_parse(const char *query, struct listing_sort *s);
bool	listing_wants_json(const char *query, const char *accept);
void	listing_sort(struct listing_entry *e, size_t n,
	    const struct listing_sort *s);
int	listing_read(int root_fd, int dir_fd, const char *dir_path,
	    struct listing *l);
void	listing_free(struct listing *l);
void	listing_human_size(off_t size, char *out, size_t len);
int	listing_html(const struct listing *l, const char *url_path,
	    const struct listing_sort *s, struct buf *out);
void	buf_json_string(struct buf *b, const char *s, size_t len);
int	listing_json(const struct listing *l, struct buf *out);

/* mime.c: file name -> Content-Type. */
const char *mime_type_for(const char *path);

/* range.c: the Range header (RFC 9110 section 14); no I/O. */
enum range_result { RANGE_NONE, RANGE_OK, RANGE_UNSATISFIABLE };
enum range_result range_parse(const char *value, off_t size, off_t *start,
	    off_t *length);
#define RANGE_PARTS_MAX 16	/* parts of a multipart/byteranges answer */
struct byte_range {
	off_t	start, length;
};
struct range_set {
	struct byte_range	r[RANGE_PARTS_MAX];
	size_t			n;
};
size_t	range_coalesce(struct byte_range *r, size_t n);
enum range_result range_parse_set(const char *value, off_t size,
	    struct range_set *set);

/* precond.c: ETags and conditional requests (RFC 9110 13); no I/O. */
#define ETAG_MAX 96	/* "dev-ino-size-sec.nsec" in hex, quoted */
struct preconditions {
	const char	*if_match;
	const char	*if_none_match;
	const char	*if_modified_since;
	const char	*if_unmodified_since;
};
enum precond_result { PRECOND_OK, PRECOND_NOT_MODIFIED, PRECOND_FAILED };
void	etag_format(const struct stat *st, char out[ETAG_MAX]);
bool	etag_list_match(const char *list, const char *etag, bool weak_compare);
enum precond_result precond_evaluate(const struct preconditions *pc,
	    const char *etag, time_t mtime, bool get_or_head);
bool	precond_if_range(const char *value, const char *etag, time_t mtime);

/* headers.c: --header, --cors, --max-age lines, formatted once. */
#define CORS_ALLOW_HEADERS "Range, If-Range, If-None-Match, If-Modified-Since, " \
	"If-Match, If-Unmodified-Since, Accept, Accept-Encoding"
int	headers_check(const char *line, const char **why);
int	headers_setup(const struct config *cfg);
const char *headers_extra(int status);

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
	char		 etag[ETAG_MAX];	/* a file's ETag, or "" */
	const char	*vary;		/* Vary: what the answer depended on */
	bool		 preflight;	/* a CORS preflight's Access-Control-* */
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
