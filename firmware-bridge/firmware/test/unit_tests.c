/* Host unit tests of the firmware logic (mcu.c, cobs.c, crc16.c). Run by `make test`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cobs.h"
#include "config.h"
#include "crc16.h"
#include "mcu.h"
#include "version.h"

static int failures, checks;
#define CHECK(cond, what)                                                   \
  do {                                                                      \
    checks++;                                                               \
    if (!(cond)) {                                                          \
      failures++;                                                           \
      fprintf(stderr, "FAIL %s:%d: %s (%s)\n", __FILE__, __LINE__, what, #cond); \
    }                                                                       \
  } while (0)

#include "fixtures_gen.h"

static const mcu_inputs_t INPUTS = {298, 111, 153, 0};

/* ---- helpers: a host-side frame decoder for what the MCU sends ---- */
typedef struct {
  uint8_t type, seq, len;
  uint8_t p[MAX_PAYLOAD];
} frame_t;

/* Drains the MCU's TX ring and decodes every frame; returns the count (all must be valid). */
static int drain(mcu_t *m, frame_t *out, int max) {
  uint8_t wire[1024];
  uint16_t n = mcu_tx_pop(m, wire, sizeof wire);
  int count = 0;
  uint16_t start = 0;
  for (uint16_t i = 0; i < n; i++) {
    if (wire[i] != 0) continue;
    uint8_t raw[64];
    int16_t len = cobs_decode(wire + start, (uint16_t)(i - start), raw, sizeof raw);
    start = (uint16_t)(i + 1);
    CHECK(len >= 4, "MCU frame decodes");
    if (len < 4) continue;
    uint16_t crc = (uint16_t)(raw[len - 2] | (raw[len - 1] << 8));
    CHECK(crc16(raw, (uint16_t)(len - 2)) == crc, "MCU frame CRC");
    if (count < max) {
      out[count].type = raw[0];
      out[count].seq = raw[1];
      out[count].len = (uint8_t)(len - 4);
      memcpy(out[count].p, raw + 2, (size_t)(len - 4));
    }
    count++;
  }
  CHECK(start == n, "MCU output ends on a delimiter");
  return count;
}

static const frame_t *find(const frame_t *f, int n, uint8_t type) {
  for (int i = n - 1; i >= 0; i--)
    if (f[i].type == type) return &f[i];
  return NULL;
}

static uint8_t host_seq;
/* Frames and feeds one host command into the MCU. */
static void feed(mcu_t *m, uint8_t type, const uint8_t *payload, uint8_t len) {
  uint8_t raw[64], wire[80];
  raw[0] = type;
  raw[1] = host_seq++;
  memcpy(raw + 2, payload, len);
  uint16_t crc = crc16(raw, (uint16_t)(len + 2));
  raw[len + 2] = (uint8_t)crc;
  raw[len + 3] = (uint8_t)(crc >> 8);
  uint16_t n = cobs_encode(raw, (uint16_t)(len + 4), wire);
  wire[n++] = 0;
  for (uint16_t i = 0; i < n; i++) mcu_rx_byte(m, wire[i]);
}

static void feed_bytes(mcu_t *m, const uint8_t *p, uint16_t n) {
  for (uint16_t i = 0; i < n; i++) mcu_rx_byte(m, p[i]);
}

static void hello(mcu_t *m, uint8_t proto) { feed(m, MSG_HELLO_ID, &proto, 1); }
static void arm(mcu_t *m, uint8_t on) { feed(m, MSG_ARM_ID, &on, 1); }
static void thrusters(mcu_t *m, uint8_t count, uint16_t us) {
  msg_thrusters_t t;
  t.count = count;
  for (int i = 0; i < MAX_THRUSTERS; i++) t.us[i] = us;
  uint8_t p[MSG_THRUSTERS_SIZE];
  msg_thrusters_pack(&t, p);
  feed(m, MSG_THRUSTERS_ID, p, sizeof p);
}

static void at(mcu_t *m, uint32_t ms) {
  m->now_ms = ms;
  mcu_tick(m, ms, &INPUTS);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

/* ---- tests ---- */
static void test_fixtures(void) {
  for (size_t i = 0; i < sizeof CRC_FIXTURES / sizeof CRC_FIXTURES[0]; i++)
    CHECK(crc16(CRC_FIXTURES[i].p, CRC_FIXTURES[i].len) == CRC_FIXTURES[i].crc, "crc fixture");
  for (size_t i = 0; i < sizeof COBS_FIXTURES / sizeof COBS_FIXTURES[0]; i++) {
    uint8_t enc[300], dec[300];
    uint16_t n = cobs_encode(COBS_FIXTURES[i].raw, COBS_FIXTURES[i].raw_len, enc);
    CHECK(n == COBS_FIXTURES[i].enc_len && memcmp(enc, COBS_FIXTURES[i].enc, n) == 0, "cobs encode fixture");
    int16_t d = cobs_decode(COBS_FIXTURES[i].enc, COBS_FIXTURES[i].enc_len, dec, sizeof dec);
    CHECK(d == (int16_t)COBS_FIXTURES[i].raw_len && memcmp(dec, COBS_FIXTURES[i].raw, (size_t)d) == 0,
          "cobs decode fixture");
  }
  for (size_t i = 0; i < sizeof FRAME_FIXTURES / sizeof FRAME_FIXTURES[0]; i++) {
    uint8_t raw[64];
    int16_t n = cobs_decode(FRAME_FIXTURES[i].wire, (uint16_t)(FRAME_FIXTURES[i].wire_len - 1), raw, sizeof raw);
    CHECK(FRAME_FIXTURES[i].wire[FRAME_FIXTURES[i].wire_len - 1] == 0, FRAME_FIXTURES[i].desc);
    CHECK(n == (int16_t)FRAME_FIXTURES[i].raw_len && memcmp(raw, FRAME_FIXTURES[i].raw, (size_t)n) == 0,
          FRAME_FIXTURES[i].desc);
    CHECK(crc16(raw, (uint16_t)(n - 2)) == (uint16_t)(raw[n - 2] | (raw[n - 1] << 8)), FRAME_FIXTURES[i].desc);
    FRAME_FIXTURES[i].check();
  }
}

static void test_bad_fixtures(void) {
  for (size_t i = 0; i < sizeof BAD_FIXTURES / sizeof BAD_FIXTURES[0]; i++) {
    mcu_t m;
    m.on_event = NULL;
    mcu_init(&m, 0, 0);
    frame_t f[16];
    drain(&m, f, 16);
    feed_bytes(&m, BAD_FIXTURES[i].wire, BAD_FIXTURES[i].len);
    CHECK(BAD_FIXTURES[i].is_crc ? m.crc_errors == 1 && m.frame_errors == 0 : m.crc_errors == 0 && m.frame_errors == 1,
          BAD_FIXTURES[i].desc);
    /* a good frame right after is still understood */
    hello(&m, PROTO_VERSION);
    int n = drain(&m, f, 16);
    CHECK(find(f, n, MSG_HELLO_REPLY_ID) != NULL, BAD_FIXTURES[i].desc);
  }
}

static void test_handshake_and_arm(void) {
  mcu_t m;
  m.on_event = NULL;
  mcu_init(&m, 1000, 0);
  frame_t f[16];
  int n = drain(&m, f, 16);
  CHECK(n == 1 && f[0].type == MSG_EVENT_ID && f[0].p[0] == EVENT_BOOT, "boot event");

  arm(&m, 1);
  n = drain(&m, f, 16);
  CHECK(n == 1 && f[0].type == MSG_ACK_ID && f[0].p[2] == ACK_NOT_SYNCED, "arm before hello is refused");
  CHECK(!m.armed, "not armed before hello");

  hello(&m, PROTO_VERSION + 1);
  n = drain(&m, f, 16);
  const frame_t *r = find(f, n, MSG_HELLO_REPLY_ID);
  CHECK(r != NULL, "hello reply on mismatch");
  msg_hello_reply_t hr;
  if (r) {
    msg_hello_reply_unpack(r->p, &hr);
    CHECK(hr.proto == PROTO_VERSION && hr.fw_minor == FW_VERSION_MINOR && hr.watchdog_ms == WATCHDOG_MS,
          "hello reply fields");
  }
  arm(&m, 1);
  n = drain(&m, f, 16);
  CHECK(n == 1 && f[0].p[2] == ACK_NOT_SYNCED, "arm refused after a version mismatch");

  hello(&m, PROTO_VERSION);
  drain(&m, f, 16);
  CHECK(m.synced, "synced after matching hello");
  thrusters(&m, 8, 1600);
  n = drain(&m, f, 16);
  CHECK(n == 1 && f[0].p[2] == ACK_NOT_ARMED && m.pulses[0] == PULSE_NEUTRAL_US, "thrusters refused while disarmed");
  arm(&m, 1);
  n = drain(&m, f, 16);
  CHECK(n == 1 && f[0].type == MSG_ACK_ID && f[0].p[1] == MSG_ARM_ID && f[0].p[2] == ACK_OK, "arm acked");
  thrusters(&m, 6, 1700);
  n = drain(&m, f, 16);
  CHECK(n == 0, "thrusters are not acked");
  CHECK(m.pulses[0] == 1700 && m.pulses[5] == 1700 && m.pulses[6] == 1500 && m.pulses[7] == 1500,
        "pulses applied, channels beyond count neutral");
  hello(&m, PROTO_VERSION);
  CHECK(!m.armed && m.pulses[0] == PULSE_NEUTRAL_US, "a new handshake disarms");
}

static uint8_t ev_code;
static uint32_t ev_ms, ev_detail;
static void on_event(uint8_t c, uint32_t ms, uint32_t d) {
  ev_code = c;
  ev_ms = ms;
  ev_detail = d;
}

static void test_watchdog(void) {
  mcu_t m;
  m.on_event = on_event;
  mcu_init(&m, 0, 0);
  frame_t f[16];
  at(&m, 10);
  hello(&m, PROTO_VERSION);
  arm(&m, 1);
  thrusters(&m, 8, 1800);
  at(&m, 10);
  drain(&m, f, 16);
  for (uint32_t t = 11; t < 10 + WATCHDOG_MS; t++) at(&m, t);
  CHECK(m.armed && m.pulses[3] == 1800 && !m.wd_tripped, "no trip before the timeout");
  at(&m, 10 + WATCHDOG_MS);
  CHECK(!m.armed && m.wd_tripped && m.watchdog_trips == 1, "trip at the timeout");
  for (int i = 0; i < MAX_THRUSTERS; i++) CHECK(m.pulses[i] == PULSE_NEUTRAL_US, "all thrusters neutral");
  CHECK(ev_code == EVENT_WATCHDOG_TRIP && ev_detail == WATCHDOG_MS && ev_ms == 10 + WATCHDOG_MS, "trip event");
  int n = drain(&m, f, 16);
  const frame_t *e = find(f, n, MSG_EVENT_ID);
  CHECK(e != NULL, "trip event frame");
  if (e) {
    msg_event_t ev;
    msg_event_unpack(e->p, &ev);
    CHECK(ev.code == EVENT_WATCHDOG_TRIP && ev.detail == WATCHDOG_MS, "trip event frame fields");
  }
  at(&m, 10 + WATCHDOG_MS + TELEMETRY_MS);
  n = drain(&m, f, 16);
  const frame_t *t = find(f, n, MSG_TELEMETRY_ID);
  CHECK(t != NULL, "telemetry");
  if (t) {
    msg_telemetry_t tm;
    msg_telemetry_unpack(t->p, &tm);
    CHECK((tm.flags & TFLAG_WATCHDOG_TRIPPED) && !(tm.flags & TFLAG_ARMED) && tm.watchdog_trips == 1,
          "telemetry reports the trip");
    CHECK(tm.supply_mv == 16021 && tm.temp_cc == 2470 && tm.current_ca == 105, "telemetry scaling");
  }
  thrusters(&m, 8, 1800);
  CHECK(m.pulses[0] == PULSE_NEUTRAL_US, "thrusters stay neutral after a trip until re-armed");
  arm(&m, 1);
  CHECK(m.armed && !m.wd_tripped && ev_code == EVENT_WATCHDOG_CLEAR, "re-arm clears the trip");
  /* disarmed: the watchdog does not run */
  arm(&m, 0);
  at(&m, 100000);
  CHECK(m.watchdog_trips == 1, "no trip while disarmed");
}

static void test_ping(void) {
  mcu_t m;
  m.on_event = NULL;
  mcu_init(&m, 0, 0);
  at(&m, 4242);
  uint8_t p[4] = {0xef, 0xbe, 0xad, 0xde};
  frame_t f[16];
  drain(&m, f, 16);
  feed(&m, MSG_PING_ID, p, 4);
  int n = drain(&m, f, 16);
  CHECK(n == 1 && f[0].type == MSG_PONG_ID, "pong");
  msg_pong_t pg;
  msg_pong_unpack(f[0].p, &pg);
  CHECK(pg.token == 0xdeadbeefu && pg.mcu_ms == 4242, "pong fields");
}

static void test_tx_overflow(void) {
  mcu_t m;
  m.on_event = NULL;
  mcu_init(&m, 0, 0);
  for (int i = 0; i < 100; i++) feed(&m, MSG_PING_ID, (const uint8_t *)"abcd", 4);
  CHECK(m.tx_overruns > 0, "full TX ring counts drops");
  frame_t f[128];
  int n = drain(&m, f, 128);
  CHECK(n > 10, "whole frames survive a full ring");
}

/* Random and corrupted byte streams never crash the decoder; good frames after them decode. */
static void test_fuzz(void) {
  mcu_t m;
  m.on_event = NULL;
  mcu_init(&m, 0, 0);
  frame_t f[64];
  for (int round = 0; round < 2000; round++) {
    int len = (int)(rnd() % 120);
    int zero_every = 1 + (int)(rnd() % 40);
    for (int i = 0; i < len; i++) mcu_rx_byte(&m, (rnd() % (uint32_t)zero_every) == 0 ? 0 : (uint8_t)rnd());
    if (round % 3 == 0) {
      /* corrupt a valid fixture: flip a bit, truncate or both */
      size_t k = rnd() % (sizeof FRAME_FIXTURES / sizeof FRAME_FIXTURES[0]);
      uint8_t w[80];
      uint16_t wl = FRAME_FIXTURES[k].wire_len;
      memcpy(w, FRAME_FIXTURES[k].wire, wl);
      if (rnd() & 1) w[rnd() % (uint32_t)(wl - 1)] ^= (uint8_t)(1u << (rnd() % 8));
      if (rnd() & 1) wl = (uint16_t)(1 + rnd() % (uint32_t)(wl - 1));
      feed_bytes(&m, w, wl);
    }
    mcu_rx_byte(&m, 0);
    drain(&m, f, 64);
    hello(&m, PROTO_VERSION);
    int n = drain(&m, f, 64);
    CHECK(find(f, n, MSG_HELLO_REPLY_ID) != NULL, "good frame after garbage is decoded");
    if (failures > 20) return;
  }
  CHECK(m.crc_errors > 0 && m.frame_errors > 0, "fuzzing exercised the error paths");
}

int main(void) {
  test_fixtures();
  test_bad_fixtures();
  test_handshake_and_arm();
  test_watchdog();
  test_ping();
  test_tx_overflow();
  test_fuzz();
  printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
