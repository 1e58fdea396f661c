// SPDX-License-Identifier: MIT
// evlog: log the key and LED events of one input device, found by name, as text.
//
//   evlog NAME PHYS_SUFFIX OUTFILE
//
// Looks in /proc/bus/input/devices for a device whose Name contains NAME and whose
// Phys ends with PHYS_SUFFIX (e.g. "input0": a gadget's HID interfaces share one
// name), opens its /dev/input/eventN and appends one line per event to OUTFILE:
//
//   S <eventN>                  a device session starts (first open, or after rebind)
//   K <sec.usec> <code> <value> EV_KEY (value 1 down, 0 up, 2 autorepeat)
//   L <sec.usec> <code> <value> EV_LED (code 0 num, 1 caps, 2 scroll)
//   D <sec.usec>                SYN_DROPPED: the kernel's buffer overflowed, events lost
//   E <eventN> <errno>          the device went away (unbind, unplug)
//
// When the device goes away it looks again, for ever; the test kills it. Built
// with gcc -static so the initramfs needs no libc for it.
//
// It runs on CPU 0 only, at a real-time priority (SCHED_FIFO). The scenario
// pins whoever writes reports to /dev/hidg0 (the agent, hidbench) to CPU 0 as
// well: f_hid takes one report at a time, so a writer cannot get a report
// ahead while the logger waits to run, and evdev's per-client buffer (which
// drops events with SYN_DROPPED when full) never holds more than a report or
// two. A starved vCPU stalls writer and reader alike.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// find_event: the eventN handler of the first matching device into out; 0 if found.
static int find_event(const char *name, const char *phys, char *out, size_t outlen)
{
    FILE *f = fopen("/proc/bus/input/devices", "r");
    char line[512];
    int name_ok = 0, phys_ok = 0;

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] == 0) {                     // blank line ends a device block
            name_ok = phys_ok = 0;
        } else if (!strncmp(line, "N: Name=", 8)) {
            name_ok = strstr(line, name) != NULL;
        } else if (!strncmp(line, "P: Phys=", 8)) {
            size_t l = strlen(line), s = strlen(phys);
            phys_ok = l >= s && !strcmp(line + l - s, phys);
        } else if (!strncmp(line, "H: Handlers=", 12) && name_ok && phys_ok) {
            char *ev = strstr(line, "event");
            if (ev) {
                snprintf(out, outlen, "%.*s", (int)strcspn(ev, " "), ev);
                fclose(f);
                return 0;
            }
        }
    }
    fclose(f);
    return -1;
}

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

// follow: log one device session until its node goes away.
static void follow(const char *ev, FILE *out)
{
    char path[64];
    struct input_event ev_buf[64];
    int fd = -1;

    snprintf(path, sizeof path, "/dev/input/%s", ev);
    for (int i = 0; i < 50 && fd < 0; i++) {    // devtmpfs may lag the proc entry
        fd = open(path, O_RDONLY);
        if (fd < 0)
            nap_ms(20);
    }
    if (fd < 0)
        return;             // listed but already gone: a removal in progress
    fprintf(out, "S %s\n", ev);
    fflush(out);
    for (;;) {
        // Many events per read: under software emulation a slow reader makes
        // evdev overflow (and drop) its per-client buffer.
        ssize_t n = read(fd, ev_buf, sizeof ev_buf);
        if (n <= 0 || n % (ssize_t)sizeof ev_buf[0]) {
            if (n < 0 && errno == EINTR)
                continue;
            fprintf(out, "E %s %d\n", ev, n < 0 ? errno : 0);
            fflush(out);
            break;
        }
        for (size_t i = 0; i < (size_t)n / sizeof ev_buf[0]; i++) {
            const struct input_event *ie = &ev_buf[i];
            if (ie->type == EV_KEY || ie->type == EV_LED)
                fprintf(out, "%c %ld.%06ld %u %d\n", ie->type == EV_KEY ? 'K' : 'L',
                        (long)ie->input_event_sec, (long)ie->input_event_usec,
                        ie->code, ie->value);
            else if (ie->type == EV_SYN && ie->code == SYN_DROPPED)
                fprintf(out, "D %ld.%06ld\n", (long)ie->input_event_sec,
                        (long)ie->input_event_usec);
        }
        fflush(out);        // whole lines, one write() per batch
    }
    close(fd);
}

// keep_up: CPU 0, SCHED_FIFO (see the top of this file); a warning if refused.
static void keep_up(void)
{
    cpu_set_t cpus;
    struct sched_param sp = { .sched_priority = 50 };

    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    if (sched_setaffinity(0, sizeof cpus, &cpus) != 0)
        perror("evlog: sched_setaffinity");
    if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
        perror("evlog: sched_setscheduler");
}

int main(int argc, char **argv)
{
    char ev[32];
    FILE *out;

    if (argc != 4) {
        fprintf(stderr, "usage: evlog NAME PHYS_SUFFIX OUTFILE\n");
        return 2;
    }
    out = fopen(argv[3], "a");
    if (!out) {
        perror(argv[3]);
        return 1;
    }
    // Fully buffered and flushed once per read(), so lines are always whole:
    // one write() per line made the reader slow enough that, starved (TCG on a
    // loaded host), evdev overflowed during the throughput measurement
    // (SYN_DROPPED). 64 KiB holds any batch of 64 events.
    setvbuf(out, NULL, _IOFBF, 1 << 16);
    keep_up();
    for (;;) {
        if (find_event(argv[1], argv[2], ev, sizeof ev) == 0)
            follow(ev, out);
        nap_ms(50);
    }
}
