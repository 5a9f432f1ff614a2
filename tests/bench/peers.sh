# shellcheck shell=bash
# tests/bench/peers.sh: the servers tests/bench/bench.sh measures, each in
# the foreground on a free port of 127.0.0.1 over $ROOT, from a
# configuration written here, without access log. Sourced by bench.sh
# (which defines WORK, ROOT, NOFILE, PIDS, MEASURE, SOCKWEBD, say, note).
# Each start_* adds its label to SERVERS once it serves /1k.bin.
# shellcheck disable=SC2034  # PORT, SPID, SERVERS: read by bench.sh

declare -A PORT SPID
SERVERS=()

freeport() { "${MEASURE[@]}" freeport; }

# started LABEL PID PORT: wait until it accepts, then add it to SERVERS.
started() {
	local label=$1 pid=$2 port=$3
	PIDS+=("$pid")
	if "${MEASURE[@]}" waitport "$port" 10 && kill -0 "$pid" 2>/dev/null &&
		[ "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' --max-time 5 \
			"http://127.0.0.1:$port/1k.bin")" = "200 1024" ]; then
		PORT[$label]=$port SPID[$label]=$pid
		SERVERS+=("$label")
		say "$label: pid $pid, http://127.0.0.1:$port/"
	else
		note "$label did not start or does not serve /1k.bin; left out (log in $WORK)"
		kill -TERM "$pid" 2>/dev/null
	fi
}

start_sockwebd() {
	local label=$1 port i
	shift
	"$SOCKWEBD" -p 0 -l 127.0.0.1 -q -r "$ROOT" -c 512 "$@" \
		>"$WORK/$label.out" 2>"$WORK/$label.err" &
	local pid=$!
	for i in $(seq 200); do
		port=$(sed -n 's/^sockwebd: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$WORK/$label.err" | head -n 1)
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	started "$label" "$pid" "${port:-1}"
}

start_nginx() {
	command -v nginx >/dev/null || { note "nginx is not installed; left out"; return; }
	local port dir=$WORK/nginx user=""
	port=$(freeport)
	mkdir -p "$dir/logs"
	[ "$(id -u)" -eq 0 ] && user="user root;"
	cat >"$dir/nginx.conf" <<-EOF
		daemon off;
		master_process on;
		worker_processes auto;
		$user
		pid $dir/nginx.pid;
		error_log $dir/logs/error.log;
		worker_rlimit_nofile $NOFILE;
		events { worker_connections $((NOFILE / 2)); }
		http {
		    access_log off;
		    sendfile on;
		    tcp_nopush on;
		    default_type application/octet-stream;
		    client_body_temp_path $dir/client_body;
		    proxy_temp_path $dir/proxy;
		    fastcgi_temp_path $dir/fastcgi;
		    uwsgi_temp_path $dir/uwsgi;
		    scgi_temp_path $dir/scgi;
		    server {
		        listen 127.0.0.1:$port;
		        root $ROOT;
		    }
		}
	EOF
	nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/logs/error.log" \
		>"$dir/logs/stdout" 2>&1 &
	started nginx $! "$port"
}

start_lighttpd() {
	command -v lighttpd >/dev/null || { note "lighttpd is not installed; left out"; return; }
	local port
	port=$(freeport)
	cat >"$WORK/lighttpd.conf" <<-EOF
		server.document-root = "$ROOT"
		server.port = $port
		server.bind = "127.0.0.1"
		server.event-handler = "linux-sysepoll"
		server.errorlog = "$WORK/lighttpd.err"
		server.max-fds = $NOFILE
		server.max-connections = $((NOFILE / 2))
		mimetype.assign = ( ".bin" => "application/octet-stream" )
	EOF
	lighttpd -D -f "$WORK/lighttpd.conf" >"$WORK/lighttpd.out" 2>&1 &
	started lighttpd $! "$port"
}

# h2o: 2 threads, the static file handler, no access log (as the others).
start_h2o() {
	command -v h2o >/dev/null || { note "h2o is not installed; left out"; return; }
	local port dir=$WORK/h2o user=""
	port=$(freeport)
	mkdir -p "$dir"
	# As root h2o needs a user to switch to; the document root is world-readable.
	[ "$(id -u)" -eq 0 ] && user="user: nobody"
	cat >"$dir/h2o.conf" <<-EOF
		$user
		num-threads: 2
		max-connections: $((NOFILE / 2))
		error-log: $dir/error.log
		listen:
		  host: 127.0.0.1
		  port: $port
		hosts:
		  default:
		    paths:
		      /:
		        file.dir: $ROOT
	EOF
	h2o -c "$dir/h2o.conf" >"$dir/stdout" 2>&1 &
	started h2o $! "$port"
}

start_mini_httpd() {
	command -v mini_httpd >/dev/null || { note "mini_httpd is not installed; left out"; return; }
	local port
	port=$(freeport)
	mini_httpd -D -p "$port" -d "$ROOT" -l /dev/null -h 127.0.0.1 \
		>"$WORK/mini_httpd.out" 2>&1 &
	started mini_httpd $! "$port"
}

