#!/usr/bin/env bash
# tests/security/slow_clients_prefork.sh: tests/security/slow_clients.sh
# (the six slow-client attacks, 300 connections each, a probe every
# 0.5 s) against sockwebd --prefork 2 -c 64.
SLOW_CLIENTS_MODE=prefork
. "$top_srcdir/tests/security/slow_clients.sh"
