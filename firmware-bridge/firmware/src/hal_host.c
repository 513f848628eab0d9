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
 * Analog inputs default to 16.0 V, 1.0 A, 25 degC, dry; with --port, stdin takes control lines
 *   inputs <supply_mV> <current_cA> <temp_cdegC> <leak 0|1>
 * (converted to the ADC counts the AVR would read).
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

/* Analog inputs as ADC counts; default 16.0 V, 1.0 A, 25 degC, dry; set with `inputs` lines. */
static mcu_inputs_t inputs = {298, 111, 153, 0};

void hal_read_inputs(mcu_inputs_t *in) { *in = inputs; }

static uint16_t mv_to_adc(long mv) {
  long adc = (mv * 1023L + (long)ADC_REF_MV / 2) / (long)ADC_REF_MV;
  return (uint16_t)(adc < 0 ? 0 : adc > 1023 ? 1023 : adc);
}

/* Control line on stdin (with --port): "inputs <supply_mV> <current_cA> <temp_cdegC> <leak 0|1>". */
static void control_line(const char *line) {
  long mv, ca, cc, leak;
  char extra;
  if (sscanf(line, "inputs %ld %ld %ld %ld %c", &mv, &ca, &cc, &leak, &extra) != 4 || mv < 0 || mv > 60000 ||
      ca < 0 || ca > 20000 || cc < -5000 || cc > 15000 || (leak != 0 && leak != 1)) {
    fprintf(stderr, "bad control line: %.80s\n", line);
    fflush(stderr);
    return;
  }
  inputs.adc_supply = mv_to_adc(mv / (long)SUPPLY_DIVIDER);
  inputs.adc_current = mv_to_adc(ca * CURRENT_MV_PER_A / 100 + CURRENT_OFFSET_MV);
  inputs.adc_temp = mv_to_adc(cc / 10 + TEMP_OFFSET_MV);
  inputs.leak = (uint8_t)leak;
}

static int ctl_fd = -1;
static char ctl[256];
static size_t ctl_len;

static void control_read(void) {
  ssize_t n = read(ctl_fd, ctl + ctl_len, sizeof ctl - 1 - ctl_len);
  if (n <= 0) {
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) ctl_fd = -1; /* no more control input */
    return;
  }
  ctl_len += (size_t)n;
  ctl[ctl_len] = 0;
  char *start = ctl, *nl;
  while ((nl = strchr(start, '\n')) != NULL) {
    *nl = 0;
    control_line(start);
    start = nl + 1;
  }
  ctl_len = (size_t)(ctl + ctl_len - start);
  memmove(ctl, start, ctl_len);
  if (ctl_len == sizeof ctl - 1) ctl_len = 0; /* a line too long: drop it */
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
    struct pollfd p[2] = {{in_fd, POLLIN, 0}, {ctl_fd, POLLIN, 0}};
    if (ppoll(p, ctl_fd >= 0 ? 2 : 1, &wait, NULL) > 0 && p[1].revents && ctl_fd >= 0) control_read();
    if (p[0].revents) {
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
      ctl_fd = 0;
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
