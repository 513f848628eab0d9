/*
 * Runs the real AVR image (build/tethys-mcu.elf) in simavr (libsimavr) and talks to it over
 * its simulated UART0: boot event, handshake, arm, thrusters to the PWM compare registers,
 * telemetry with the simulated ADC inputs, and the watchdog trip measured on the AVR's own
 * tick. Usage: avr-sim <tethys-mcu.elf>. Prints one line per check; exit 0 when all pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <simavr/avr_adc.h>
#include <simavr/avr_ioport.h>
#include <simavr/avr_uart.h>
#include "cobs.h"
#include "crc16.h"
#include "messages_gen.h"
#include <simavr/sim_avr.h>
#include <simavr/sim_elf.h>

#define F_CPU 16000000UL
/* ATmega2560 data-space addresses of the 16-bit compare registers (datasheet register summary). */
static const uint16_t OCR_ADDR[10] = {0x88, 0x8A, 0x8C, 0x98, 0x9A, 0x9C, 0xA8, 0xAA, 0xAC, 0x128};

static avr_t *avr;
static avr_irq_t *uart_in;
static int failures, checks;

#define CHECK(cond, ...)                \
  do {                                  \
    checks++;                           \
    printf("%s ", (cond) ? "ok  " : "FAIL"); \
    printf(__VA_ARGS__);                \
    printf("\n");                       \
    if (!(cond)) failures++;            \
  } while (0)

typedef struct {
  uint8_t type, len;
  uint8_t p[MAX_PAYLOAD];
} frame_t;
#define MAX_FRAMES 4096
static frame_t frames[MAX_FRAMES];
static int nframes, bad_frames;
static uint8_t acc[64];
static int acc_len;

static double now_ms(void) { return (double)avr->cycle * 1000.0 / F_CPU; }

static void on_uart_byte(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)param;
  uint8_t b = (uint8_t)value;
  if (b != 0) {
    if (acc_len < (int)sizeof acc) acc[acc_len++] = b;
    return;
  }
  uint8_t raw[64];
  int16_t n = cobs_decode(acc, (uint16_t)acc_len, raw, sizeof raw);
  acc_len = 0;
  if (n < 4 || crc16(raw, (uint16_t)(n - 2)) != (uint16_t)(raw[n - 2] | (raw[n - 1] << 8)) || n - 4 > MAX_PAYLOAD) {
    bad_frames++;
    return;
  }
  if (nframes >= MAX_FRAMES) return;
  frame_t *f = &frames[nframes++];
  f->type = raw[0];
  f->len = (uint8_t)(n - 4);
  memcpy(f->p, raw + 2, f->len);
}

static void run_ms(double ms) {
  avr_cycle_count_t end = avr->cycle + (avr_cycle_count_t)(ms * F_CPU / 1000.0);
  while (avr->cycle < end) {
    int st = avr_run(avr);
    if (st == cpu_Done || st == cpu_Crashed) {
      printf("FAIL the AVR stopped (state %d) at %.1f ms\n", st, now_ms());
      exit(1);
    }
  }
}

static uint8_t host_seq;
static void send(uint8_t type, const uint8_t *payload, uint8_t len) {
  uint8_t raw[64], wire[80];
  raw[0] = type;
  raw[1] = host_seq++;
  memcpy(raw + 2, payload, len);
  uint16_t crc = crc16(raw, (uint16_t)(len + 2));
  raw[len + 2] = (uint8_t)crc;
  raw[len + 3] = (uint8_t)(crc >> 8);
  uint16_t n = cobs_encode(raw, (uint16_t)(len + 4), wire);
  wire[n++] = 0;
  for (uint16_t i = 0; i < n; i++) avr_raise_irq(uart_in, wire[i]);
  run_ms(4); /* 27 bytes at 115200 baud take 2.3 ms */
}

/* The last frame of `type` received since index `from`, or NULL. */
static const frame_t *last(uint8_t type, int from) {
  for (int i = nframes - 1; i >= from; i--)
    if (frames[i].type == type) return &frames[i];
  return NULL;
}

static int count(uint8_t type, int from) {
  int c = 0;
  for (int i = from; i < nframes; i++) c += frames[i].type == type;
  return c;
}

static uint16_t ocr_us(int ch) { return (uint16_t)((avr->data[OCR_ADDR[ch]] | (avr->data[OCR_ADDR[ch] + 1] << 8)) / 2); }

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s tethys-mcu.elf\n", argv[0]);
    return 2;
  }
  elf_firmware_t fw;
  memset(&fw, 0, sizeof fw);
  if (elf_read_firmware(argv[1], &fw) != 0) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  avr = avr_make_mcu_by_name("atmega2560");
  if (!avr) return 2;
  avr_init(avr);
  fw.frequency = F_CPU;
  avr_load_firmware(avr, &fw);
  avr->frequency = F_CPU;
  avr->vcc = avr->avcc = avr->aref = 5000;
  avr->log = LOG_NONE;

  uint32_t flags = 0;
  avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
  flags &= ~(uint32_t)(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POLL_SLEEP);
  avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), on_uart_byte, NULL);
  uart_in = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
  /* Inputs: 16.0 V through the 11:1 divider on A0, 1.0 A sensor (540 mV) on A1, 25 degC (750 mV)
   * on A2; the leak line (PA0, active low) held high: dry. */
  avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0), 16000 / 11);
  avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC1), 540);
  avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC2), 750);
  avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('A'), 0), 1);

  run_ms(50);
  const frame_t *boot = last(MSG_EVENT_ID, 0);
  CHECK(boot && boot->p[0] == EVENT_BOOT, "boot event on the UART");
  CHECK(ocr_us(0) == PULSE_NEUTRAL_US && ocr_us(7) == PULSE_NEUTRAL_US, "thrusters neutral at boot (%u us)", ocr_us(0));

  int mark = nframes;
  uint8_t proto = 1;
  send(MSG_HELLO_ID, &proto, 1);
  const frame_t *hr = last(MSG_HELLO_REPLY_ID, mark);
  msg_hello_reply_t h = {0};
  if (hr) msg_hello_reply_unpack(hr->p, &h);
  CHECK(hr && h.proto == 1 && h.watchdog_ms == 500 && h.channels == 8, "helloReply: proto %u, watchdog %u ms", h.proto,
        h.watchdog_ms);

  mark = nframes;
  uint8_t on = 1;
  send(MSG_ARM_ID, &on, 1);
  const frame_t *ack = last(MSG_ACK_ID, mark);
  CHECK(ack && ack->p[1] == MSG_ARM_ID && ack->p[2] == ACK_OK, "arm acked");

  msg_thrusters_t t = {8, {1700, 1650, 1600, 1550, 1450, 1400, 1350, 1300}};
  uint8_t tp[MSG_THRUSTERS_SIZE];
  msg_thrusters_pack(&t, tp);
  send(MSG_THRUSTERS_ID, tp, sizeof tp);
  int all = 1;
  for (int i = 0; i < 8; i++) all &= ocr_us(i) == t.us[i];
  CHECK(all, "thruster pulses in the PWM compare registers (OCR1A = %u us, OCR4B = %u us)", ocr_us(0), ocr_us(7));
  uint8_t lp[2] = {0xe8, 0x03}; /* lights 1000 permille */
  send(MSG_LIGHTS_ID, lp, 2);
  CHECK(ocr_us(8) == PULSE_MAX_US, "lights pulse %u us", ocr_us(8));

  /* Keep commanding for a while (50 Hz), then go quiet. */
  for (int i = 0; i < 20; i++) {
    send(MSG_THRUSTERS_ID, tp, sizeof tp);
    run_ms(16);
  }
  mark = nframes;
  double quiet_at = now_ms();
  run_ms(600);
  const frame_t *trip = NULL;
  for (int i = mark; i < nframes && !trip; i++)
    if (frames[i].type == MSG_EVENT_ID && frames[i].p[0] == EVENT_WATCHDOG_TRIP) trip = &frames[i];
  msg_event_t ev = {0};
  if (trip) msg_event_unpack(trip->p, &ev);
  CHECK(trip && ev.detail >= WATCHDOG_MS && ev.detail <= WATCHDOG_MS + 1,
        "watchdog trip %lu ms after the last command, on the AVR tick (quiet since %.1f ms)",
        (unsigned long)ev.detail, quiet_at);
  all = 1;
  for (int i = 0; i < 8; i++) all &= ocr_us(i) == PULSE_NEUTRAL_US;
  CHECK(all, "every thruster neutral after the trip");

  const frame_t *tel = last(MSG_TELEMETRY_ID, mark);
  msg_telemetry_t tm = {0};
  if (tel) msg_telemetry_unpack(tel->p, &tm);
  CHECK(tel && (tm.flags & TFLAG_WATCHDOG_TRIPPED) && !(tm.flags & TFLAG_ARMED) && !(tm.flags & TFLAG_LEAK),
        "telemetry flags 0x%02x (tripped, disarmed, dry)", tm.flags);
  CHECK(tm.supply_mv > 15900 && tm.supply_mv < 16100, "supply %u mV from the ADC", tm.supply_mv);
  CHECK(tm.current_ca >= 85 && tm.current_ca <= 115, "current %u cA from the ADC (1 A, one count = 12 cA)", tm.current_ca);
  CHECK(tm.temp_cc >= 2400 && tm.temp_cc <= 2600, "temperature %d cdegC from the ADC", tm.temp_cc);
  CHECK(tm.loop_hz > 1000, "main loop %u Hz", tm.loop_hz);
  int tel_count = count(MSG_TELEMETRY_ID, mark);
  CHECK(tel_count >= 5 && tel_count <= 7, "%d telemetry frames in 600 ms", tel_count);

  /* Leak: pull the line low. */
  avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('A'), 0), 0);
  mark = nframes;
  run_ms(250);
  tel = last(MSG_TELEMETRY_ID, mark);
  if (tel) msg_telemetry_unpack(tel->p, &tm);
  CHECK(tel && (tm.flags & TFLAG_LEAK), "leak reported");

  /* A quiet second (4x the 250 ms hardware watchdog): a healthy loop is never reset. */
  mark = nframes;
  run_ms(1000);
  CHECK(count(MSG_EVENT_ID, mark) == 0 && count(MSG_TELEMETRY_ID, mark) >= 9, "no reset in 1 s (%d telemetry frames)",
        count(MSG_TELEMETRY_ID, mark));
  CHECK(bad_frames == 0, "%d frames from the AVR, %d malformed", nframes, bad_frames);
  printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
