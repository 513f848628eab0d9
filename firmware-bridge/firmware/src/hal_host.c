/*
 * Host (Linux) HAL: runs the firmware logic as a native process for the simulator and tests.
 *   tethys-mcu-host [--port PATH]
 * Speaks the protocol on PATH (e.g. one end of a socat pty pair; set raw) or on stdin/stdout.
 * Reports on stderr, one line each, flushed:
 *   ready proto=<N> fw=<x.y.z> watchdog_ms=<W>
 *   pulses <ms> <t1> .. <t8> <lights_us> <servo_us>     (whenever an output changes)
 *   event <code> <ms> <detail>                         (boot 1, watchdog trip 2, clear 3)
 * The millisecond tick follows CLOCK_MONOTONIC one step per loop (see hal_millis); the loop
 * wakes on input or when the next tick is due.
 * Analog inputs are fixed plausible values (16.0 V, 1.0 A, 25 degC, dry).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "hal.h"
#include "version.h"

const char tethys_marker[] __attribute__((used)) = FIRMWARE_MARKER;

static int in_fd = 0, out_fd = 1;
static uint8_t rx[512];
static size_t rx_len, rx_pos;
static struct timespec start;

/* The firmware's millisecond tick. It advances by at most one per loop iteration, when real
 * time (CLOCK_MONOTONIC) has reached it: the logic sees every tick value, as the AVR main loop
 * sees every value of its 1 kHz timer. A late wake-up (host scheduling) is caught up one
 * tick per iteration without sleeping. */
static uint32_t tick;

static long long real_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)(t.tv_sec - start.tv_sec) * 1000000000LL + (t.tv_nsec - start.tv_nsec);
}

uint32_t hal_millis(void) { return tick; }

int16_t hal_uart_read(uint8_t *overrun) {
  *overrun = 0;
  if (rx_pos >= rx_len) return -1;
  return rx[rx_pos++];
}

uint16_t hal_uart_write(const uint8_t *p, uint16_t len) {
  ssize_t n = write(out_fd, p, len);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return 0;
    fprintf(stderr, "port write failed: %s\n", strerror(errno));
    exit(3);
  }
  return (uint16_t)n;
}

void hal_set_pulses(const uint16_t *t, uint16_t lights_us, uint16_t servo_us, uint32_t now_ms) {
  fprintf(stderr, "pulses %lu", (unsigned long)now_ms);
  for (int i = 0; i < MAX_THRUSTERS; i++) fprintf(stderr, " %u", t[i]);
  fprintf(stderr, " %u %u\n", lights_us, servo_us);
  fflush(stderr);
}

void hal_read_inputs(mcu_inputs_t *in) {
  in->adc_supply = 298;
  in->adc_current = 111;
  in->adc_temp = 153;
  in->leak = 0;
}

static void report_event(uint8_t code, uint32_t ms, uint32_t detail) {
  fprintf(stderr, "event %u %lu %lu\n", code, (unsigned long)ms, (unsigned long)detail);
  fflush(stderr);
}

void hal_idle(void) {
  if (rx_pos >= rx_len) {
    rx_pos = rx_len = 0;
    /* Sleep until input arrives or the next tick is due, whichever comes first. */
    long long wait_ns = (long long)(tick + 1) * 1000000LL - real_ns();
    struct timespec wait = {0, 0};
    if (wait_ns > 0) {
      wait.tv_sec = (time_t)(wait_ns / 1000000000LL);
      wait.tv_nsec = (long)(wait_ns % 1000000000LL);
    }
    struct pollfd p = {in_fd, POLLIN, 0};
    if (ppoll(&p, 1, &wait, NULL) > 0) {
      ssize_t n = read(in_fd, rx, sizeof rx);
      if (n > 0) {
        rx_len = (size_t)n;
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        fprintf(stderr, "port closed: %s\n", n == 0 ? "end of file" : strerror(errno));
        exit(0);
      }
    }
  }
  if ((long long)(tick + 1) * 1000000LL <= real_ns()) tick++;
}

static int open_port(const char *path) {
  int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
    exit(2);
  }
  struct termios tio;
  if (tcgetattr(fd, &tio) == 0) {
    cfmakeraw(&tio);
    tcsetattr(fd, TCSANOW, &tio);
  }
  return fd;
}

static mcu_t mcu;

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      in_fd = out_fd = open_port(argv[++i]);
    } else {
      fprintf(stderr, "usage: %s [--port PATH]\n", argv[0]);
      return 2;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &start);
  fprintf(stderr, "ready proto=%d fw=%d.%d.%d watchdog_ms=%d\n", PROTO_VERSION, FW_VERSION_MAJOR,
          FW_VERSION_MINOR, FW_VERSION_PATCH, WATCHDOG_MS);
  fflush(stderr);
  mcu.on_event = report_event;
  app_init(&mcu, 0);
  for (;;) app_step(&mcu);
}
