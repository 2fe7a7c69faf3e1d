"""A userspace netem for the transfer bench, where the kernel has no sch_netem:
two TUN devices joined by this process, which delivers every packet from one
to the other `delay` seconds later, serialised at `rate` bytes/s per direction
(a link of that speed), dropping past `limit` packets queued per direction.
TCP stays end to end (the kernel's, on both sides); only the path is emulated.

usage: delay-line.py <tun-a> <tun-b> <delay-ms> <rate-bit/s> [limit]
Prints "ready" once both devices exist; runs until stdin closes.
"""
import collections
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    name_a, name_b, delay_ms, rate_bits = sys.argv[1:5]
    limit = int(sys.argv[5]) if len(sys.argv) > 5 else 20000
    delay = float(delay_ms) / 1000
    rate = float(rate_bits) / 8
    a, b = tun(name_a), tun(name_b)
    peer = {a: b, b: a}
    queues = {a: collections.deque(), b: collections.deque()}  # packets due out of each device
    free_at = {a: 0.0, b: 0.0}  # when each direction's "wire" is free again
    print("ready", flush=True)
    stdin = sys.stdin.fileno()
    while True:
        now = time.monotonic()
        due = [q[0][0] for q in queues.values() if q]
        timeout = max(0.0, min(due) - now) if due else 1.0
        ready, _, _ = select.select([a, b, stdin], [], [], timeout)
        now = time.monotonic()
        for fd in ready:
            if fd == stdin:
                if not os.read(stdin, 4096):
                    return
                continue
            out = peer[fd]
            queue = queues[out]
            while True:
                try:
                    packet = os.read(fd, 70000)
                except BlockingIOError:
                    break
                except OSError:
                    return  # the device went away with its namespace: the bench is over
                if len(queue) >= limit:
                    continue  # the queue is full: the packet is lost, as on a congested link
                sent = max(now, free_at[out]) + len(packet) / rate
                free_at[out] = sent
                queue.append((sent + delay, packet))
        for out, queue in queues.items():
            while queue and queue[0][0] <= now:
                try:
                    os.write(out, queue.popleft()[1])
                except OSError:
                    pass


main()
