// SPDX-License-Identifier: MIT
// hidbench: the throughput measurement's helper inside the test VM.
//
//   hidbench now                 CLOCK_REALTIME as <sec.usec> (the clock evdev
//                                stamps its events with; busybox date has no %N)
//   hidbench text N              N mixed letters and digits, no newline
//   hidbench replay DEVICE TEXT  the report stream the agent sends for TEXT (two
//                                8-byte boot reports per character: the key with
//                                its modifiers, then all zero), one report per
//                                blocking write(), as fast as f_hid takes them;
//                                prints "start=<sec.usec> end=<sec.usec>
//                                reports=<n> write_ms=<ms>"
//
// Built with gcc -static so the initramfs needs no libc for it.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char ALPHABET[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

// usage_of: the US-layout HID usage and modifier byte of c; -1 if not typable here
static int usage_of(char c, unsigned char *usage, unsigned char *mods)
{
    *mods = 0;
    if (c >= 'a' && c <= 'z') {
        *usage = (unsigned char)(0x04 + (c - 'a'));
    } else if (c >= 'A' && c <= 'Z') {
        *usage = (unsigned char)(0x04 + (c - 'A'));
        *mods = 0x02;                           // left shift, as the agent's us layout
    } else if (c >= '1' && c <= '9') {
        *usage = (unsigned char)(0x1e + (c - '1'));
    } else if (c == '0') {
        *usage = 0x27;
    } else {
        return -1;
    }
    return 0;
}

static int put(int fd, const unsigned char r[8])
{
    for (;;) {
        ssize_t n = write(fd, r, 8);
        if (n == 8)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        fprintf(stderr, "hidbench: write: %s\n", n < 0 ? strerror(errno) : "short write");
        return -1;
    }
}

static int replay(const char *dev, const char *text)
{
    unsigned char press[8], zero[8] = { 0 };
    size_t len = strlen(text), reports = 0;
    int fd = open(dev, O_WRONLY);

    if (fd < 0) {
        perror(dev);
        return 1;
    }
    for (size_t i = 0; i < len; i++) {
        if (usage_of(text[i], &press[2], &press[0])) {
            fprintf(stderr, "hidbench: cannot type '%c'\n", text[i]);
            return 2;
        }
    }
    double t0 = now_s();
    for (size_t i = 0; i < len; i++) {
        memset(press, 0, sizeof press);
        usage_of(text[i], &press[2], &press[0]);
        if (put(fd, press) || put(fd, zero))
            return 1;
        reports += 2;
    }
    double t1 = now_s();
    close(fd);
    printf("start=%.6f end=%.6f reports=%zu write_ms=%.0f\n", t0, t1, reports, (t1 - t0) * 1000);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "now")) {
        printf("%.6f\n", now_s());
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "text")) {
        long n = atol(argv[2]);
        // step 7 through the 62 characters (coprime): every one, never twice in a row
        for (long i = 0; i < n; i++)
            putchar(ALPHABET[(i * 7) % 62]);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "replay"))
        return replay(argv[2], argv[3]);
    fprintf(stderr, "usage: hidbench now | text N | replay DEVICE TEXT\n");
    return 2;
}
