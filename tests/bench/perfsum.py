#!/usr/bin/env python3
"""perfsum.py: where sockwebd's CPU time goes, from a `perf record -g -a`.

    perf record -g -a -o perf.data -- sleep 5        # while ab runs
    perf script -i perf.data -F comm,pid,tid,ip,sym | python3 perfsum.py - PARENT_PID

Every sample of a process named sockwebd is put in one bucket by the
first rule that matches a symbol of its call chain (fork, exit, page
faults, accept4, sendfile, ...), split between the parent (PARENT_PID)
and the children; the share of the other commands on the machine comes
first, since the machine may be shared. Python standard library only.
"""
import collections
import re
import signal
import sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)
parent = int(sys.argv[2])
rules = [  # first match from the leaf up, on the syscall entry symbols
 ("fork (clone: copy page tables, mm)", ("kernel_clone","__do_sys_clone","copy_process","dup_mm")),
 ("exit of the child (unmap, free mm)", ("do_exit","__x64_sys_exit_group","do_group_exit")),
 ("exec/mmap", ("__x64_sys_mmap","ksys_mmap_pgoff","__x64_sys_munmap","__x64_sys_mprotect")),
 ("accept4", ("__x64_sys_accept4","__sys_accept4","do_accept")),
 ("sendfile", ("__x64_sys_sendfile64","do_sendfile")),
 ("read/recv request", ("__x64_sys_read","ksys_read","__x64_sys_recvfrom","__sys_recvfrom")),
 ("write/writev headers", ("__x64_sys_write","ksys_write","__x64_sys_writev","do_writev","__x64_sys_sendto","__sys_sendto","__x64_sys_sendmsg")),
 ("shutdown/close (FIN, linger drain)", ("__x64_sys_shutdown","__x64_sys_close","__fput","__x64_sys_close_range")),
 ("poll/ppoll", ("__x64_sys_ppoll","__x64_sys_poll","do_sys_poll")),
 ("wait4/SIGCHLD/signals", ("__x64_sys_wait4","kernel_wait4","do_wait","__x64_sys_rt_sigreturn","arch_do_signal_or_restart","__x64_sys_rt_sigprocmask","__x64_sys_rt_sigaction")),
 ("open/stat of the file", ("__x64_sys_openat","__x64_sys_openat2","do_sys_openat2","__x64_sys_newfstatat","__x64_sys_fstat","__x64_sys_statx","vfs_fstat","__x64_sys_newfstat")),
 ("setsockopt/getsockname/fcntl/other syscalls", ("__x64_sys_setsockopt","__x64_sys_getsockname","__x64_sys_fcntl","__x64_sys_getpeername","__x64_sys_clock_gettime","do_syscall_64")),
 ("page faults (text refaulted after fork, COW of data)", ("asm_exc_page_fault","exc_page_fault")),
 ("softirq/network rx (on this cpu)", ("__do_softirq","handle_softirqs","net_rx_action")),
]
tot = collections.Counter(); role = collections.Counter(); usersyms = collections.Counter()
comm_tot = collections.Counter(); n_all = 0
cur = None; stack = []
def flush():
    global n_all
    if cur is None: return
    comm, pid = cur
    n_all += 1
    comm_tot[comm] += 1
    if comm != "sockwebd": return
    r = "parent" if pid == parent else "child"
    syms = [s for _, s in stack]
    cat = None
    for name, keys in rules:
        if any(k in syms for k in keys): cat = name; break
    if cat is None:
        leaf = syms[0] if syms else "?"
        kern = stack and stack[0][0].startswith("ffffffff")
        if not kern:
            if leaf.startswith("_dl_") or leaf in ("do_lookup_x","check_match","strcmp"):
                cat = "user: dynamic linker (lazy PLT binding in each child)"
            else:
                cat = "user: sockwebd/libc code"; usersyms[leaf] += 1
        else:
            cat = "kernel other"
            usersyms["[k] " + leaf] += 1
    tot[(r, cat)] += 1; role[r] += 1
src = sys.stdin if sys.argv[1] == "-" else open(sys.argv[1])
for line in src:
    if not line.strip():
        flush(); cur = None; stack = []; continue
    if not line.startswith("\t") and not line.startswith(" "):
        flush(); stack = []
        m = re.match(r"(\S+)\s+(\d+)/(\d+)", line.strip())
        cur = (m.group(1), int(m.group(2))); continue
    parts = line.split(None, 1)
    stack.append((parts[0], parts[1].strip() if len(parts) > 1 else "?"))
flush()
print("all samples %d" % n_all)
for c, n in comm_tot.most_common(8): print("  %-16s %5.1f%%" % (c, 100.0*n/n_all))
s = sum(role.values())
print("sockwebd samples %d: parent %.1f%%, children %.1f%%" % (s, 100.0*role["parent"]/s, 100.0*role["child"]/s))
for (r, c), n in sorted(tot.items(), key=lambda x: -x[1]):
    print("  %-6s %-55s %5.1f%%" % (r, c, 100.0*n/s))
print("top uncategorized:")
for k, n in usersyms.most_common(15): print("   %-40s %5.1f%%" % (k, 100.0*n/s))
