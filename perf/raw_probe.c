/* raw_probe <lat|thr> <message-size> <count>
   The machine's own limit, without any messaging library: two processes on loopback TCP.
     lat: ping-pong of size-byte messages; prints the average and p50/p99 one-way latency in the
          same lines as remote_lat.
     thr: one process streams count frames of a 4-byte length header + size bytes, written in batches
          of up to 256 KiB; the other reads and counts them; prints the same lines as local_thr.
   TCP_NODELAY on both ends. Exit 1 on any failure. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    perror(what);
    exit(1);
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void full_write(int fd, const char *p, size_t n) {
    while (n > 0) {
        const ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) die("write");
        p += w;
        n -= (size_t)w;
    }
}

static void full_read(int fd, char *p, size_t n) {
    while (n > 0) {
        const ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) die("read");
        p += r;
        n -= (size_t)r;
    }
}

static void nodelay(int fd) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int cmp(const void *a, const void *b) {
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[1], "lat") != 0 && strcmp(argv[1], "thr") != 0)) {
        printf("usage: raw_probe <lat|thr> <message-size> <count>\n");
        return 1;
    }
    const int lat = strcmp(argv[1], "lat") == 0;
    const size_t size = (size_t)atol(argv[2]);
    const long count = atol(argv[3]);
    if (count <= 0) die("count");

    const int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 1) != 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0)
        die("listen");

    const pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) { /* the echoer (lat) or the writer (thr) */
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("connect");
        nodelay(fd);
        char *buf = malloc(size > 0 ? size : 1);
        if (lat) {
            for (long i = 0; i < count; ++i) {
                full_read(fd, buf, size);
                full_write(fd, buf, size);
            }
        } else {
            const size_t frame = 4 + size, batch_max = 256 * 1024;
            const size_t per_batch = frame >= batch_max ? 1 : batch_max / frame;
            char *batch = calloc(per_batch, frame);
            for (size_t f = 0; f < per_batch; ++f) {
                const uint32_t n = htonl((uint32_t)size);
                memcpy(batch + f * frame, &n, 4);
            }
            for (long sent = 0; sent < count;) {
                const long k = count - sent < (long)per_batch ? count - sent : (long)per_batch;
                full_write(fd, batch, (size_t)k * frame);
                sent += k;
            }
            free(batch);
        }
        free(buf);
        close(fd);
        _exit(0);
    }

    const int fd = accept(lfd, NULL, NULL);
    if (fd < 0) die("accept");
    nodelay(fd);
    if (lat) {
        char *buf = calloc(1, size > 0 ? size : 1);
        int64_t *rtt = malloc(sizeof *rtt * (size_t)count), total = 0;
        for (long i = 0; i < count; ++i) {
            const int64_t t0 = now_ns();
            full_write(fd, buf, size);
            full_read(fd, buf, size);
            rtt[i] = now_ns() - t0;
            total += rtt[i];
        }
        qsort(rtt, (size_t)count, sizeof *rtt, cmp);
        printf("message size: %zu [B]\nroundtrip count: %ld\n", size, count);
        printf("average latency: %.3f [us]\n", total / (count * 2.0) / 1000.0);
        printf("p50 latency: %.3f [us]\n", rtt[count / 2] / 2000.0);
        printf("p99 latency: %.3f [us]\n", rtt[(long)(count * 0.99)] / 2000.0);
        free(rtt);
        free(buf);
    } else {
        const size_t chunk = 1 << 20;
        char *buf = malloc(chunk);
        const uint64_t want = (uint64_t)count * (4 + size);
        uint64_t got = 0;
        int64_t t0 = 0;
        while (got < want) {
            const ssize_t r = read(fd, buf, chunk);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) die("read");
            if (got == 0) t0 = now_ns();
            got += (uint64_t)r;
        }
        const double secs = (now_ns() - t0) / 1e9;
        const double msgs = count / (secs > 0 ? secs : 1e-9);
        printf("message size: %zu [B]\nmessage count: %ld\n", size, count);
        printf("mean throughput: %ld [msg/s]\n", (long)msgs);
        printf("mean throughput: %.3f [Mb/s]\n", msgs * size * 8 / 1e6);
        free(buf);
    }
    close(fd);
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
