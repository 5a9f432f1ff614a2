/*
 * test_client.c: the parts of sockget that need no network: option
 * parsing (curl's letters, -o/URL pairing, bad usage = 2), the happy
 * eyeballs address order, --resolve pins, -w formatting, and fetch_one
 * on canned responses over a socketpair.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockget.h"
#include "tap.h"

static int
parse(struct options *o, const char *line)
{
	static char buf[512];
	char *argv[32], *tok, *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "sockget %s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 31;
	    tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	optind = 0;	/* GNU getopt: full re-initialisation */
	return sockget_options_parse(o, argc, argv);
}

static void
test_options(void)
{
	struct options o;

	is_int(parse(&o, "-s -o a http://x/1 -O http://x/2 -o c http://x/3"), 0,
	    "options parse");
	is_int(o.ntargets, 3, "three URLs");
	is_str(o.targets[0].outfile, "a", "first -o goes with first URL");
	ok(o.targets[1].remote_name, "-O goes with second URL");
	is_str(o.targets[2].outfile, "c", "third -o goes with third URL");
	ok(o.silent, "-s");
	sockget_options_free(&o);

	is_int(parse(&o, "-m 1.5 --connect-timeout 0.25 -C - --max-redirs 3 --local-port 4000-4010 -4 u"),
	    0, "long options parse");
	is_int(o.max_time_ms, 1500, "-m 1.5 is 1500 ms");
	is_int(o.connect_timeout_ms, 250, "--connect-timeout 0.25");
	ok(o.resume_auto, "-C -");
	is_int(o.max_redirs, 3, "--max-redirs 3");
	is_int(o.local_port_min, 4000, "--local-port low");
	is_int(o.local_port_max, 4010, "--local-port high");
	is_int(o.family, AF_INET, "-4");
	sockget_options_free(&o);

	is_int(parse(&o, "--max-time=2 -C 100 u"), 0, "--opt=value form");
	is_int(o.resume_from, 100, "-C 100");
	sockget_options_free(&o);

	is_int(parse(&o, "--bogus u"), SG_USAGE, "unknown option is usage error 2");
	sockget_options_free(&o);
	is_int(parse(&o, "-m"), SG_USAGE, "missing argument is 2");
	sockget_options_free(&o);
	is_int(parse(&o, "-m soon u"), SG_USAGE, "bad number is 2");
	sockget_options_free(&o);
	is_int(parse(&o, "--local-port 9-3 u"), SG_USAGE, "reversed port range is 2");
	sockget_options_free(&o);
	is_int(parse(&o, "-s"), SG_USAGE, "no URL is 2");
	sockget_options_free(&o);
}

static struct sockaddr_storage
mk(const char *ip)
{
	struct sockaddr_storage ss;

	resolve_literal(ip, &ss);
	return ss;
}

static void
test_order(void)
{
	struct sockaddr_storage in[5], out[5];
	char a[ADDR_STRLEN];
	const char *want[] = { "::1", "127.0.0.1", "::2", "127.0.0.2", "127.0.0.3" };
	int n;

	in[0] = mk("::1");
	in[1] = mk("::2");
	in[2] = mk("127.0.0.1");
	in[3] = mk("127.0.0.2");
	in[4] = mk("127.0.0.3");
	n = connect_order(in, 5, out);
	is_int(n, 5, "connect_order keeps every address");
	for (int i = 0; i < n; i++)
		is_str(addr_format_ip((struct sockaddr *)&out[i], a, sizeof(a)),
		    want[i], "attempt %d alternates families", i);
}

static void
test_pins(void)
{
	struct resolver r;
	const struct resolve_host *h;
	char a[ADDR_STRLEN];

	memset(&r, 0, sizeof(r));
	ok(resolve_add_pin(&r, "example.test:80:127.0.0.2,[::1]") == 0, "--resolve parses");
	ok(resolve_add_pin(&r, "example.test:80") < 0, "--resolve without ADDR fails");
	ok(resolve_add_pin(&r, "example.test:0:1.2.3.4") < 0, "--resolve port 0 fails");
	ok(resolve_add_pin(&r, "x:80:not-an-ip") < 0, "--resolve needs an IP");
	h = resolve_find(&r, "EXAMPLE.test", 80);
	ok(h != NULL && h->naddrs == 2, "pin found, case-insensitive, two addresses");
	if (h != NULL && h->naddrs == 2) {
		is_str(addr_format_ip((struct sockaddr *)&h->addrs[0], a, sizeof(a)),
		    "127.0.0.2", "first pinned address");
		is_str(addr_format_ip((struct sockaddr *)&h->addrs[1], a, sizeof(a)),
		    "::1", "second pinned address, brackets removed");
	}
	ok(resolve_find(&r, "example.test", 8080) == NULL, "pin is per port");
	ok(resolve_add_pin(&r, "x.test:80abc:1.2.3.4") < 0, "--resolve port 80abc fails");
	ok(resolve_add_pin(&r, "+plus.test:81:1.2.3.4") == 0, "--resolve +HOST parses");
	ok(resolve_find(&r, "plus.test", 81) != NULL, "+HOST is pinned like HOST");
	ok(resolve_add_pin(&r, "-plus.test:81") == 0, "--resolve -HOST:PORT parses");
	ok(resolve_find(&r, "plus.test", 81) == NULL, "-HOST:PORT removes the pin");
	ok(resolve_add_pin(&r, "*:82:1.2.3.4") == 0, "--resolve *:PORT:ADDR parses");
	ok(resolve_find(&r, "anything.test", 82) != NULL, "* matches any host at its port");
	resolve_free(&r);
	memset(&r, 0, sizeof(r));
	r.family = AF_INET;
	ok(resolve_add_pin(&r, "v6.test:80:::1") == 0, "-4: an IPv6-only pin parses");
	h = resolve_find(&r, "v6.test", 80);
	ok(h != NULL && h->naddrs == 0, "-4: the IPv6 address is dropped (exit 6)");
	resolve_free(&r);
}

static void
test_basic(void)
{
	struct buf b;

	buf_init(&b);
	auth_basic_header(&b, "Aladdin", "open sesame");
	auth_basic_header(&b, "u", NULL);
	buf_append(&b, "", 1);
	is_str(b.data, "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
	    "Authorization: Basic dTo=\r\n", "Basic: RFC 7617's example; no password");
	buf_free(&b);
}

static void
test_writeout(void)
{
	struct fetch_stats st;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	memset(&st, 0, sizeof(st));
	st.http_code = 200;
	st.size_download = 1234;
	st.t_start_us = 1000000;
	st.t_namelookup_us = 1002500;
	st.t_total_us = 1500000;
	strcpy(st.local_ip, "127.0.0.1");
	st.local_port = 53422;
	st.num_redirects = 2;
	st.url_effective = (char *)(uintptr_t)"http://x/";
	writeout_print(f, "%{http_code} %{size_download} %{time_namelookup} "
	    "%{time_total} %{local_ip}:%{local_port} %{num_redirects} "
	    "%{url_effective} 100%%\\t\\n", &st);
	fclose(f);
	is_str(text, "200 1234 0.002500 1.500000 127.0.0.1:53422 2 http://x/ 100%\t\n",
	    "-w variables, %% and escapes");
	free(text);
}

/* fetch_one's exit code for a canned response, sent whole then closed. */
static int
fetch_canned(const char *response)
{
	struct options o;
	struct url u;
	struct fetch_request rq;
	struct fetch_stats st;
	struct output out;
	int sv[2], rc;

	memset(&o, 0, sizeof(o));
	memset(&st, 0, sizeof(st));
	url_parse("http://canned.test/", &u);
	rq = (struct fetch_request){ .url = &u, .opt = &o, .range_from = -1,
	    .deadline_us = io_now_us() + 2000000 };
	output_init(&out, "/dev/null", false);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0) {
		url_free(&u);
		return -1;
	}
	rc = -1;
	if (write(sv[1], response, strlen(response)) == (ssize_t)strlen(response) &&
	    shutdown(sv[1], SHUT_WR) == 0)
		rc = fetch_one(sv[0], &rq, &out, &st);
	output_close(&out);
	close(sv[0]);
	close(sv[1]);
	url_free(&u);
	free(st.location);
	free(st.content_type);
	return rc;
}

static void
test_fetch(void)
{
	output_set_quiet(true);
	is_int(fetch_canned("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), SG_OK,
	    "fetch: a whole response is 0");
	is_int(fetch_canned("HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nok"),
	    SG_PARTIAL_FILE, "fetch: a short body is 18");
	is_int(fetch_canned(""), SG_GOT_NOTHING, "fetch: nothing is 52");
	/* fuzz_response: http-parser accepted a two-digit status as exit 0 */
	is_int(fetch_canned("HTTP/1.0 20\r\n\r\nbody"), SG_WEIRD_SERVER_REPLY,
	    "fetch: a two-digit status is a weird reply (8)");
	is_int(fetch_canned("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
	    "Link: </a>\r\n\r\nHTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"), SG_OK,
	    "fetch: 100 and 103, then the 200");
	is_int(fetch_canned("HTTP/1.1 100 Continue\r\n\r\n"), SG_WEIRD_SERVER_REPLY,
	    "fetch: a 100 and no final response is a weird reply");
	is_int(fetch_canned("HTTP/1.0 204 No Content\r\nContent-Length: 5\r\n\r\n"), SG_OK,
	    "fetch: 204 has no body, whatever Content-Length says");
	is_int(fetch_canned("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "2\r\nok\r\n0\r\n\r\n"), SG_OK, "fetch: a chunked body");
	output_set_quiet(false);
}

int
main(void)
{
	log_init("sockget");
	test_options();
	test_order();
	test_pins();
	test_basic();
	test_writeout();
	test_fetch();
	return tap_done();
}
