#!/usr/bin/env python3
"""sockholder.py: hold a listening socket as systemd does for a .socket
unit, and run a server on it by the LISTEN_FDS protocol.

Binds 127.0.0.1 on a port the kernel picks, prints "port N" on stdout,
then starts COMMAND with the socket as descriptor 3 and LISTEN_FDS=1,
LISTEN_PID=<its pid>, LISTEN_FDNAMES=http. On SIGUSR1 it restarts the
server as `systemctl restart` would: SIGTERM, wait for it to exit, start
a new one; the socket stays open here all along, so clients queue in its
backlog meanwhile. On SIGTERM it stops the server and exits. Each start
is reported as "started PID" on stdout.
"""
import os
import signal
import socket
import sys
import time

restart = False
stop = False


def on_usr1(_sig, _frame):
    global restart
    restart = True


def on_term(_sig, _frame):
    global stop
    stop = True


def start(sock, argv):
    pid = os.fork()
    if pid == 0:
        os.dup2(sock.fileno(), 3)
        os.set_inheritable(3, True)
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_PID"] = str(os.getpid())
        os.environ["LISTEN_FDNAMES"] = "http"
        signal.signal(signal.SIGUSR1, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.execv(argv[0], argv)
    print("started %d" % pid, flush=True)
    return pid


def main():
    argv = sys.argv[1:]
    if not argv:
        sys.exit("usage: sockholder.py COMMAND [ARGS...]")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    print("port %d" % sock.getsockname()[1], flush=True)
    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, on_term)
    global restart
    pid = start(sock, argv)
    while not stop:
        time.sleep(0.02)
        if restart and not stop:
            restart = False
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
            pid = start(sock, argv)
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
