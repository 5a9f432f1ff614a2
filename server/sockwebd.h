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
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "common.h"

#define MAX_LISTEN		16
#define REQ_LINE_MAX		8192	/* longer request line: 414 */
#define REQ_HEADERS_MAX		16384	/* more header bytes: 431 */
#define REQ_FIELDS_MAX		100	/* more header fields: 431 */
#define REQ_ARENA_MAX		(REQ_HEADERS_MAX + 2 * REQ_FIELDS_MAX)	/* + NULs */
#define KEEPALIVE_MAX		1000	/* requests a connection (as nginx) */
#define KEEPALIVE_IDLE_MS	5000	/* wait for the next request */
#define LINGER_MS		1000	/* drain after shutdown(SHUT_WR) */
#define MAX_CONNS_DEFAULT	16384	/* connections one process holds */
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
	unsigned	 max_conns;	/* connections held at once, per process */
	bool		 verbose;	/* -v: trace the socket calls on stderr */
	/* issue 14: response features */
	const char	*headers[MAX_EXTRA_HEADERS];	/* --header lines */
	size_t		 nheaders;
	bool		 cors;		/* --cors */
	long		 max_age;	/* --max-age, or -1 */
	bool		 no_symlinks;	/* --no-symlinks: never follow a link */
	const char	*fallback;	/* --fallback FILE beneath the root */
	bool		 inetd;		/* -i: serve the connection on stdin */
	bool		 proxy_protocol;	/* every listener expects a PROXY header */
	const char	*proxy_listen[MAX_LISTEN];	/* these ones do */
	size_t		 nproxy_listen;
};
enum options_result { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_USAGE };
enum options_result sockwebd_options_parse(struct config *cfg, int argc,
	    char **argv);
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


/* activation.c: listening sockets inherited through LISTEN_FDS. */
int	activation_listeners(const struct config *cfg, struct listener *ls,
	    size_t max, size_t *count);

/* upgrade.c: SIGUSR2 starts the binary anew on the same sockets. */
int	upgrade_prepare(char **argv, const struct listener *ls, size_t count);
int	upgrade_signal(void);
void	upgrade_start(void);	/* async-signal-safe */
void	upgrade_take_over(void);

/* server: what every process of the server shares, read-only once serving. */
struct server {
	const struct config	*cfg;
	struct listener		 listeners[MAX_LISTEN];
	size_t			 nlisteners;
	int			 root_fd;
	unsigned		 max_conns;	/* cfg->max_conns within RLIMIT_NOFILE */
};

/* timer.c: time-out queues; every entry of a queue waits as long. */
struct timer {
	struct timer	*prev, *next;
	long long	 deadline_ms;
};
struct timerq {
	struct timer	 list;		/* sentinel: list.next is the earliest */
	long long	 wait_ms;
};
void	timerq_init(struct timerq *q, long long wait_ms);
void	timer_arm(struct timerq *q, struct timer *t, long long now_ms);
void	timer_cancel(struct timer *t);
struct timer *timerq_expired(struct timerq *q, long long now_ms);
long long timerq_next(const struct timerq *q);

/* proc.c: one process lifecycle for both modes: signals, children, limits. */
#define SHUTDOWN_GRACE_MS	5000	/* in-flight work may finish, then SIGKILL */
#define ACCEPT_PAUSE_MS		500	/* after EMFILE/ENFILE, as nginx */
struct conn;
struct child {
	pid_t		 pid;
	struct conn	*owner;		/* fork mode: the connection it serves */
};
struct children {
	struct child	*list;
	unsigned	 count;
	unsigned	 max;
};
int	proc_signals_open(void);
int	proc_signal_read(int sigfd);
int	proc_child_signals(void);
void	proc_raise_nofile(const struct config *cfg, unsigned *max_conns);
int	children_init(struct children *ch, unsigned max);
void	children_free(struct children *ch);
void	children_add(struct children *ch, pid_t pid, struct conn *owner);
struct conn *children_owner(const struct children *ch, pid_t pid);
void	children_disown(struct children *ch, pid_t pid);
pid_t	children_wait_one(int *status);
void	children_remove(struct children *ch, pid_t pid);
pid_t	children_reap_one(struct children *ch, int *status);
void	children_signal(const struct children *ch, int sig);
void	children_stop(struct children *ch, long long deadline_ms);
void	proc_accept_failed(const char *what, int err, long long now_ms,
	    long long *resume_ms, long long *warned_ms);

/* prefork.c: --prefork N, N event-driven workers and their master. */
int	prefork_run(struct server *srv);

/* spill.c: --prefork, which workers take new connections (in order). */
struct spill_slot;
struct spill {
	struct spill_slot	*slot;	/* one per worker, in a shared page */
	unsigned		 n;
};
int	spill_open(struct spill *s, unsigned n);
void	spill_close(struct spill *s);
void	spill_vacate(struct spill *s, unsigned w);
void	spill_publish(struct spill *s, unsigned w, bool accepting, bool full);
bool	spill_should_accept(const struct spill *s, unsigned w,
	    bool queue_waiting, bool accepting, unsigned *looks);

/* request.c: http-parser callbacks fill a struct request; no I/O. */
enum request_state { REQUEST_INCOMPLETE, REQUEST_DONE, REQUEST_ERROR };
struct header {
	size_t	name;		/* offsets into request.arena */
	size_t	value;
};
/*
 * One request. The public fields are valid in every state, and set in one
 * place (request.c's publish, after every request_feed): method is
 * HTTP_GET and the version 1.0 until the request line says otherwise, so a
 * request refused early is answered as a GET; keep_alive is true only for a
 * REQUEST_DONE request whose version and Connection fields allow it.
 * Everything from `parser` on is request.c's own; request_init clears the
 * scalars with one memset.
 */
struct request {
	enum request_state	state;
	int			status;		/* error status when REQUEST_ERROR */
	unsigned		method;		/* enum http_method */
	unsigned short		major, minor;
	bool			has_version;	/* the request line gave major.minor */
	bool			keep_alive;
	bool			started;	/* any byte received */
	size_t			target_len;
	char			*arena;		/* the fields: in target[], after it */
	/* request.c's bookkeeping, cleared with the fields above */
	size_t			arena_len;
	size_t			nheaders;
	enum { HDR_NONE, HDR_FIELD, HDR_VALUE } last;
	size_t			head_len;
	size_t			line_tail_len;
	bool			method_known;	/* http-parser reached the target */
	bool			line_done;	/* the request line's LF arrived */
	bool			line_parsed;	/* http-parser is past it */
	bool			fields_done;	/* what follows is a trailer */
	size_t			trailer_len;	/* trailer bytes, ignored */
	/*
	 * Not cleared: http_parser_init, and lengths above bound the rest.
	 * Small arrays first, then one filled from its start: the target
	 * (at most REQ_LINE_MAX bytes and its NUL), and right after it the
	 * arena of field names and values. A usual request writes its first
	 * page or two only (in fork mode every page the parent writes
	 * between two forks is a fault and a copy).
	 */
	http_parser		parser;		/* private to request.c */
	char			head[24];	/* first bytes, to tell 501 from 400 */
	char			line_tail[16];	/* end of the request line */
	struct header		headers[REQ_FIELDS_MAX];
	char			target[REQ_LINE_MAX + 1 + REQ_ARENA_MAX];
};
void	request_init(struct request *req);
size_t	request_feed(struct request *req, const char *data, size_t len);
void	request_fail(struct request *req, int status);
const char *request_header(const struct request *req, const char *name);
const char *request_method_name(const struct request *req);
size_t	request_header_count(const struct request *req, const char *name);
const char *request_header_list(const struct request *req, const char *name,
	    struct buf *join);
bool	request_has_token(const struct request *req, const char *name,
	    const char *token);

/* fields.c: lists, tokens, Host; what the fields of a request decide. */
bool	field_list_next(const char **cursor, const char **elem, size_t *len);
bool	field_token_is(const char *elem, size_t len, const char *token);
bool	field_host_valid(const char *s, size_t len);
int	field_transfer_encoding(const char *value, bool *chunked);
int	fields_status(const struct request *req, bool *chunked);
bool	fields_keep_alive(const struct request *req);

/* path.c: request target -> safe relative path; no I/O. */
#define PATH_OUT_MAX 4096
struct target {
	char	path[PATH_OUT_MAX];	/* "" for the root, else "a/b" */
	bool	trailing_slash;
	const char *query;		/* into the original target, or NULL */
};
int	path_normalize(const char *target, size_t len, struct target *out);

/* file.c: open under the root without ever leaving it. */
struct cache_entry;
struct file {
	int		fd;
	struct stat	st;
	bool		is_dir;
	struct cache_entry *cached;	/* the fd belongs to this cache entry */
	const char	*data;		/* a small file's bytes, from the cache */
};
void	file_set_symlinks(bool follow);
void	file_force_walk(bool walk);
int	file_open(int root_fd, const char *path, struct file *f);
int	file_open_index(struct file *dir, struct file *index, bool *missing);
void	file_close(struct file *f);

/*
 * file_cache.c: a small open-file cache per process. An entry in use by a
 * response still being sent is referenced and never closed under it.
 */
#define FILE_CACHE_SIZE		16
#define FILE_CACHE_INACTIVE_MS	5000	/* unused this long: closed */
struct file_cache {
	struct cache_entry	*slot[FILE_CACHE_SIZE];
	unsigned long		 clock;
	unsigned long		 wakeup;	/* the event loop's, counted */
	bool			 frozen;	/* look up only: a fork-mode child */
};
void	file_cache_init(struct file_cache *fc);
void	file_cache_freeze(struct file_cache *fc);
size_t	file_cache_fds(const struct file_cache *fc, int out[FILE_CACHE_SIZE]);
void	file_cache_wakeup(struct file_cache *fc);
void	file_cache_unref(struct cache_entry *e);
int	file_open_cached(struct file_cache *fc, int root_fd, const char *path,
	    struct file *f);
void	file_cache_expire(struct file_cache *fc, long long now_ms);
void	file_cache_release(struct file_cache *fc);


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
bool	mime_type_valid(const char *type);
int	mime_set_default(const char *type);
int	mime_load(const char *path);
bool	mime_compressible(const char *type);

/* range.c: the Range header (RFC 9110 section 14); no I/O. */
enum range_result { RANGE_NONE, RANGE_OK, RANGE_UNSATISFIABLE };
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

/* encoding.c: Accept-Encoding -> which precompressed variant; no I/O. */
enum encoding { ENC_IDENTITY, ENC_BR, ENC_ZSTD, ENC_GZIP, ENC_COUNT };
const char *encoding_name(enum encoding e);
const char *encoding_suffix(enum encoding e);
int	encoding_element_q(const char *p, const char **end);
void	encoding_accept(const char *header, int q[ENC_COUNT]);
enum encoding encoding_choose(const char *header, unsigned available);
/* variant.c: FILE.br, FILE.zst, FILE.gz next to FILE. */
struct file_cache;
enum encoding variant_open(struct file_cache *fc, int root_fd,
	    const char *path, const struct file *orig,
	    const char *accept_encoding, struct file *out, bool *any);

/* sendq.c: what is left to send of a response, and sending it. */
#define SENDQ_SEGMENTS	40
struct segment {
	const char	*data;		/* bytes in memory, or NULL: a file */
	int		 fd;
	off_t		 offset;
	off_t		 length;	/* what is left of it */
	bool		 body;		/* counted in the access log */
};
struct sendq {
	struct segment	seg[SENDQ_SEGMENTS];
	unsigned	n, cur;
	off_t		body_sent;
	off_t		total_sent;	/* head included */
};
enum send_result { SEND_DONE, SEND_AGAIN, SEND_ERROR };
void	sendq_init(struct sendq *q);
int	sendq_add_mem(struct sendq *q, const char *data, size_t len, bool body);
int	sendq_add_file(struct sendq *q, int fd, off_t offset, off_t len,
	    bool body);
bool	sendq_done(const struct sendq *q);
enum send_result sendq_send(int fd, struct sendq *q);
int	sendq_flush(int fd, struct sendq *q, int timeout_ms);
int	sendq_wait_writable(int fd, int timeout_ms);

/* multipart.c: the part headers of multipart/byteranges; no I/O. */
#define MULTIPART_BOUNDARY_MAX 32
struct multipart_part {
	size_t	head_off, head_len;	/* the part's header, in the text */
	off_t	start, length;		/* its bytes, in the file */
};
struct multipart {
	char			boundary[MULTIPART_BOUNDARY_MAX];
	const char		*text;		/* Content-Type, then part headers */
	size_t			type_len;
	size_t			nparts;		/* 0: not a multipart answer */
	struct multipart_part	part[RANGE_PARTS_MAX];
	size_t			tail_off, tail_len;	/* the closing boundary */
	off_t			content_length;
};
int	multipart_build(struct multipart *mp, const struct range_set *set,
	    const char *type, off_t size, const char *etag, struct buf *text);

/* response.c: status line, headers and body of a response. */
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
	const char	*content_encoding;	/* a precompressed variant's */
	struct multipart multipart;	/* several ranges of file_fd */
};
void	response_init(struct response *r, int status);
const char *response_reason(int status);
int	response_error_page(struct response *r, int status, struct buf *body);
int	response_queue(const struct response *r, struct buf *head,
	    struct sendq *q);
int	response_send(int fd, struct response *r, int timeout_ms);
int	response_format_head(const struct response *r, struct buf *out);
#define RESPONSE_HEAD_TYPICAL	500	/* a file's head: about 300 bytes */

/* conn.c: one connection's state, from accept to close. */
enum conn_state {
	CONN_READING,		/* waiting for (the rest of) a request */
	CONN_CHILD,		/* fork mode: a child is serving the request */
	CONN_SENDING,		/* the response is going out */
	CONN_LINGERING,		/* our FIN sent; draining what the client sends */
	CONN_CLOSED,		/* closed, freed after the event batch */
};
/* What an epoll event is for: data.ptr points at one of these. */
enum watch_kind { WATCH_LISTENER, WATCH_SIGNAL, WATCH_CONN, WATCH_CHILD };
struct watch {
	enum watch_kind	 kind;
	unsigned	 index;		/* a listener's */
};
struct loop;
#define CONN_OUT_KEEP	1024	/* a head buffer this small stays allocated */
struct conn {
	struct watch		 watch;		/* WATCH_CONN */
	int			 fd;
	enum conn_state		 state;
	const struct server	*srv;
	struct loop		*loop;
	struct file_cache	*cache;
	struct sockaddr_storage	 peer;
	char			 peer_name[ADDR_STRLEN];
	struct proxy_state	*proxy;		/* a PROXY header still to come */
	struct sockaddr_storage	 via;		/* the balancer, when via_version */
	int			 via_version;	/* its PROXY protocol version; 0: none */
	unsigned		 nrequests;
	uint32_t		 events;	/* registered with epoll; 0: none */
	struct timer		 timer;
	struct request		*req;		/* while a request is read or served */
	char			*pending;	/* bytes read past the last request */
	size_t			 npending;
	struct response		 resp;
	struct file		 file;
	struct buf		 body;		/* listing, error page, JSON */
	struct buf		 location;	/* Location of a redirect */
	struct buf		 out;		/* the head to send */
	struct sendq		 sendq;
	long long		 progress_ms;	/* the client last took bytes */
	long long		 window_ms;	/* start of the rate window */
	off_t			 window_acked;	/* bytes acknowledged at that start */
	off_t			 acked_seen;	/* bytes acknowledged at the last check */
	size_t			 drained;	/* bytes read while lingering */
	pid_t			 child;		/* fork mode: serving it now, or 0 */
	int			 handback_fd[2];	/* fork mode: what a child left */
	struct conn		*prev, *next;	/* every connection of the loop */
	bool			 our_fin;	/* we shut down first (-v) */
	bool			 peer_fin;	/* the client's FIN was read (-v) */
};
struct conn *conn_open(struct loop *l, int fd,
	    const struct sockaddr_storage *peer, bool proxy);
void	conn_event(struct conn *c, uint32_t events);
void	conn_timeout(struct conn *c, long long now_ms);
void	conn_close(struct conn *c);
void	conn_recycle(struct loop *l, struct conn *c);
void	conn_stop(struct conn *c);
void	conn_drive(struct conn *c);
bool	conn_keep_alive(const struct conn *c);
void	conn_response_done(struct conn *c, bool log);
void	conn_free_response(struct conn *c);
void	conn_begin_send(struct conn *c);
void	conn_fail(struct conn *c, int status);
void	conn_resume(struct conn *c);
void	conn_trace_request(const struct conn *c);
void	conn_trace_close(const struct conn *c);
void	conn_refuse(int fd, const struct sockaddr_storage *peer, int status);

/* proxy_conn.c: the PROXY header in a connection's read path. */
int	proxy_conn_expect(struct conn *c);
ssize_t	proxy_conn_take(struct conn *c, const char *data, size_t len);
void	proxy_conn_done(struct conn *c);

/* loop.c: the event loop of the fork-mode parent and of each worker. */
#define LOOP_EVENTS	64	/* events taken per epoll_wait */
#define READ_CHUNK	16384
/* spares.c: finished objects of one size, kept for reuse. */
#define SPARES_MAX	32
struct spares {
	void		*item[SPARES_MAX];
	unsigned	 n;
	size_t		 size;
	bool		 zero;		/* new ones calloc-ed */
	const char	*what;		/* for the malloc error */
};
void	spares_init(struct spares *s, size_t size, bool zero, const char *what);
void	*spares_take(struct spares *s);
bool	spares_keep(struct spares *s, void *p);
void	*spares_pop(struct spares *s);

struct loop {
	const struct server	*srv;
	bool			 worker;	/* serves itself; else forks children */
	bool			 single;	/* inetd: one connection, no listener */
	int			 ep;
	int			 sigfd;
	struct watch		 listen_watch[MAX_LISTEN];
	struct watch		 sig_watch;
	bool			 listening;	/* listeners are in the epoll set */
	struct spill		*spill;		/* --prefork: the workers' board */
	unsigned		 seat;		/* and our slot on it */
	long long		 spill_check_ms;	/* when we look at it again */
	long long		 signals_check_ms;	/* next signalfd look in a batch */
	unsigned		 spill_looks;	/* looks in a row for a change */
	bool			 spill_turn;	/* ours to take new connections */
	long long		 accept_resume_ms;	/* paused until then, or 0 */
	long long		 accept_warned_ms;
	bool			 stopping;
	long long		 stop_deadline_ms;
	unsigned		 nconns;
	unsigned		 peak_conns;	/* most held since the heap was trimmed */
	struct conn		*conns;		/* every open connection */
	struct conn		*closed;	/* freed after the event batch */
	const struct epoll_event *batch;	/* the events being dispatched */
	int			 batch_n, batch_next;	/* how many; the next one */
	struct timerq		 q_request;	/* -t: a request being read */
	struct timerq		 q_idle;	/* between keep-alive requests */
	struct timerq		 q_send;	/* a response: progress checks */
	struct timerq		 q_linger;	/* draining before close */
	long long		 cache_sweep_ms;
	struct file_cache	 cache;
	struct children		 children;	/* fork mode */
	int			 chan[2];	/* fork mode: children's reports */
	struct watch		 chan_watch;	/* WATCH_CHILD: chan[0] */
	struct spares		 spare_conns;
	struct spares		 spare_requests;
	char			 scratch[READ_CHUNK];
};
int	loop_run(struct server *srv, struct spill *spill, unsigned seat);
int	loop_serve_one(struct server *srv, int fd,
	    const struct sockaddr_storage *peer);
int	loop_watch(struct loop *l, int fd, uint32_t *have, uint32_t want,
	    struct watch *w);
bool	loop_near_limits(const struct loop *l);
bool	loop_batch_names(const struct loop *l, const struct watch *w);

/* trace.c: -v, the socket calls on stderr, one whole line each. */
extern bool trace_on;
void	trace_enable(bool on);
void	trace_line(const char *fmt, ...) PRINTF_LIKE(1, 2);
#define TRACE(...) do { if (trace_on) trace_line(__VA_ARGS__); } while (0)

/* child.c: fork mode: a child serves a request (or a quick run of them). */
#define HANDBACK_MS	100	/* a child sends this long, then the parent */
#define CHILD_STAY_MS	10	/* it waits this long for a next request */
#define CHILD_LIFE_MS	1000	/* and serves one connection this long at most */
bool	child_dispatch(struct conn *c);
int	child_channel_open(struct loop *l);
void	child_reports(struct loop *l);
void	child_exited(struct loop *l, pid_t pid);
void	child_detach(struct conn *c);

/* handler.c: a parsed request -> a response (status, headers, body). */
void	handler_request(struct conn *c, const struct request *req,
	    struct response *resp, struct file *f);

/* peer.c: GET /_peer, the connection as the server sees it. */
int	peer_json(const struct conn *c, struct buf *out);

/* log.c: the access log, one write(2) per line. */
int	log_access_open(const char *path);
int	log_access_reopen(void);
void	log_access(const struct conn *c, const struct request *req,
	    const struct response *resp);
void	log_access_refused(const char *peer_name, int status);
int	log_access_fd(void);

/* pidfile.c: --pidfile, written before chroot and -u, removed while ours. */
int	pidfile_write(const char *path, const char *chroot_dir);
void	pidfile_remove(void);

#endif /* SOCKWEBD_H */
