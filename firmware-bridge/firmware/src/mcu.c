#include "mcu.h"

#include <string.h>

#include "cobs.h"
#include "config.h"
#include "crc16.h"
#include "version.h"

#define SAT_INC(x) \
  do {             \
    if ((x) != 0xFFFFu) (x)++; \
  } while (0)

static void set_neutral(mcu_t *m) {
  for (uint8_t i = 0; i < MAX_THRUSTERS; i++) m->pulses[i] = PULSE_NEUTRAL_US;
  m->outputs_changed = 1;
}

static uint16_t tx_free(const mcu_t *m) {
  return (uint16_t)(MCU_TX_SIZE - 1 - mcu_tx_pending(m));
}

/* Frames and queues one message; dropped whole (and counted) if the ring is full. */
static void send(mcu_t *m, uint8_t type, const uint8_t *payload, uint8_t len) {
  uint8_t raw[MCU_RAW_MAX];
  uint8_t wire[MCU_WIRE_MAX];
  raw[0] = type;
  raw[1] = m->tx_seq++;
  memcpy(raw + 2, payload, len);
  uint16_t crc = crc16(raw, (uint16_t)(len + 2));
  raw[len + 2] = (uint8_t)crc;
  raw[len + 3] = (uint8_t)(crc >> 8);
  uint16_t n = cobs_encode(raw, (uint16_t)(len + 4), wire);
  wire[n++] = 0;
  if (n > tx_free(m)) {
    SAT_INC(m->tx_overruns);
    return;
  }
  for (uint16_t i = 0; i < n; i++) {
    m->tx[m->tx_head] = wire[i];
    m->tx_head = (uint16_t)((m->tx_head + 1) % MCU_TX_SIZE);
  }
}

static void send_ack(mcu_t *m, uint8_t seq, uint8_t type, uint8_t status) {
  msg_ack_t a = {seq, type, status};
  uint8_t p[MSG_ACK_SIZE];
  msg_ack_pack(&a, p);
  send(m, MSG_ACK_ID, p, MSG_ACK_SIZE);
}

static void send_event(mcu_t *m, uint8_t code, uint32_t detail) {
  msg_event_t e = {code, m->now_ms, detail};
  uint8_t p[MSG_EVENT_SIZE];
  msg_event_pack(&e, p);
  send(m, MSG_EVENT_ID, p, MSG_EVENT_SIZE);
  if (m->on_event) m->on_event(code, m->now_ms, detail);
}

static void send_hello_reply(mcu_t *m) {
  msg_hello_reply_t r = {PROTO_VERSION, FW_VERSION_MAJOR, FW_VERSION_MINOR, FW_VERSION_PATCH,
                         CAP_THRUSTERS | CAP_LIGHTS | CAP_CAMERA_SERVO | CAP_ADC | CAP_LEAK,
                         MAX_THRUSTERS, m->watchdog_ms};
  uint8_t p[MSG_HELLO_REPLY_SIZE];
  msg_hello_reply_pack(&r, p);
  send(m, MSG_HELLO_REPLY_ID, p, MSG_HELLO_REPLY_SIZE);
}

static void send_telemetry(mcu_t *m) {
  uint8_t flags = 0;
  if (m->inputs.leak) flags |= TFLAG_LEAK;
  if (m->wd_tripped) flags |= TFLAG_WATCHDOG_TRIPPED;
  if (m->armed) flags |= TFLAG_ARMED;
  if (m->synced) flags |= TFLAG_HOST_SYNCED;
  msg_telemetry_t t = {m->now_ms,
                       mcu_supply_mv(m->inputs.adc_supply),
                       mcu_current_ca(m->inputs.adc_current),
                       mcu_temp_cc(m->inputs.adc_temp),
                       flags,
                       m->loop_hz,
                       m->crc_errors,
                       m->frame_errors,
                       m->rx_overruns,
                       m->watchdog_trips};
  uint8_t p[MSG_TELEMETRY_SIZE];
  msg_telemetry_pack(&t, p);
  send(m, MSG_TELEMETRY_ID, p, MSG_TELEMETRY_SIZE);
}

void mcu_init(mcu_t *m, uint32_t now_ms, uint32_t boot_detail) {
  void (*on_event)(uint8_t, uint32_t, uint32_t) = m->on_event;
  memset(m, 0, sizeof *m);
  m->on_event = on_event;
  m->now_ms = now_ms;
  m->last_cmd_ms = now_ms;
  m->last_telemetry_ms = now_ms;
  m->rate_window_ms = now_ms;
  m->watchdog_ms = WATCHDOG_MS;
  m->lights_us = mcu_lights_us(0);
  m->servo_us = PULSE_NEUTRAL_US;
  set_neutral(m);
  send_event(m, EVENT_BOOT, boot_detail);
}

/* Handles one CRC-checked raw frame. */
static void handle(mcu_t *m, const uint8_t *raw, uint8_t len) {
  uint8_t type = raw[0], seq = raw[1];
  const uint8_t *p = raw + 2;
  uint8_t plen = (uint8_t)(len - 4);
  uint8_t want, needs_ack;
  switch (type) {
    case MSG_HELLO_ID: want = MSG_HELLO_SIZE; needs_ack = MSG_HELLO_ACK; break;
    case MSG_THRUSTERS_ID: want = MSG_THRUSTERS_SIZE; needs_ack = MSG_THRUSTERS_ACK; break;
    case MSG_LIGHTS_ID: want = MSG_LIGHTS_SIZE; needs_ack = MSG_LIGHTS_ACK; break;
    case MSG_CAMERA_SERVO_ID: want = MSG_CAMERA_SERVO_SIZE; needs_ack = MSG_CAMERA_SERVO_ACK; break;
    case MSG_ARM_ID: want = MSG_ARM_SIZE; needs_ack = MSG_ARM_ACK; break;
    case MSG_PING_ID: want = MSG_PING_SIZE; needs_ack = MSG_PING_ACK; break;
    default:
      SAT_INC(m->frame_errors);
      send_ack(m, seq, type, ACK_UNKNOWN_TYPE);
      return;
  }
  if (plen != want) {
    SAT_INC(m->frame_errors);
    send_ack(m, seq, type, ACK_BAD_LENGTH);
    return;
  }
  uint8_t status = ACK_OK;
  switch (type) {
    case MSG_HELLO_ID: {
      msg_hello_t h;
      msg_hello_unpack(p, &h);
      /* A handshake starts a session: never carry an armed state across it. */
      m->synced = h.proto == PROTO_VERSION;
      m->armed = 0;
      set_neutral(m);
      send_hello_reply(m);
      break;
    }
    case MSG_THRUSTERS_ID: {
      msg_thrusters_t t;
      if (msg_thrusters_unpack(p, &t)) { status = ACK_BAD_VALUE; break; }
      if (!m->synced) { status = ACK_NOT_SYNCED; break; }
      if (!m->armed) { status = ACK_NOT_ARMED; break; }
      for (uint8_t i = 0; i < MAX_THRUSTERS; i++) m->pulses[i] = i < t.count ? t.us[i] : PULSE_NEUTRAL_US;
      m->outputs_changed = 1;
      break;
    }
    case MSG_LIGHTS_ID: {
      msg_lights_t l;
      if (msg_lights_unpack(p, &l)) { status = ACK_BAD_VALUE; break; }
      if (!m->synced) { status = ACK_NOT_SYNCED; break; }
      m->lights_us = mcu_lights_us(l.permille);
      m->outputs_changed = 1;
      break;
    }
    case MSG_CAMERA_SERVO_ID: {
      msg_camera_servo_t c;
      if (msg_camera_servo_unpack(p, &c)) { status = ACK_BAD_VALUE; break; }
      if (!m->synced) { status = ACK_NOT_SYNCED; break; }
      m->servo_us = c.us;
      m->outputs_changed = 1;
      break;
    }
    case MSG_ARM_ID: {
      msg_arm_t a;
      if (msg_arm_unpack(p, &a)) { status = ACK_BAD_VALUE; break; }
      if (!m->synced) { status = ACK_NOT_SYNCED; break; }
      if (a.armed && m->wd_tripped) {
        m->wd_tripped = 0;
        send_event(m, EVENT_WATCHDOG_CLEAR, m->watchdog_trips);
      }
      m->armed = a.armed;
      set_neutral(m);
      break;
    }
    case MSG_PING_ID: {
      msg_ping_t q;
      msg_ping_unpack(p, &q);
      msg_pong_t r = {q.token, m->now_ms};
      uint8_t out[MSG_PONG_SIZE];
      msg_pong_pack(&r, out);
      send(m, MSG_PONG_ID, out, MSG_PONG_SIZE);
      break;
    }
  }
  if (status == ACK_BAD_VALUE) SAT_INC(m->frame_errors);
  else m->last_cmd_ms = m->now_ms; /* a valid command feeds the watchdog */
  if (needs_ack || status != ACK_OK) send_ack(m, seq, type, status);
}

static void end_frame(mcu_t *m) {
  uint8_t raw[MCU_RAW_MAX];
  int16_t n = cobs_decode(m->rx_buf, m->rx_len, raw, sizeof raw);
  m->rx_len = 0;
  if (n < 4) {
    SAT_INC(m->frame_errors);
    return;
  }
  uint16_t crc = (uint16_t)(raw[n - 2] | ((uint16_t)raw[n - 1] << 8));
  if (crc16(raw, (uint16_t)(n - 2)) != crc) {
    SAT_INC(m->crc_errors);
    return;
  }
  handle(m, raw, (uint8_t)n);
}

void mcu_rx_byte(mcu_t *m, uint8_t b) {
  if (b == 0) {
    if (m->rx_discard) m->rx_discard = 0;
    else if (m->rx_len > 0) end_frame(m);
    return;
  }
  if (m->rx_discard) return;
  if (m->rx_len >= sizeof m->rx_buf) {
    /* Longer than any legal frame: drop up to the next delimiter. */
    SAT_INC(m->frame_errors);
    m->rx_len = 0;
    m->rx_discard = 1;
    return;
  }
  m->rx_buf[m->rx_len++] = b;
}

void mcu_tick(mcu_t *m, uint32_t now_ms, const mcu_inputs_t *in) {
  m->now_ms = now_ms;
  m->inputs = *in;
  m->loops_in_window++;
  if ((uint32_t)(now_ms - m->rate_window_ms) >= 1000u) {
    m->loop_hz = m->loops_in_window;
    m->loops_in_window = 0;
    m->rate_window_ms = now_ms;
  }
  if (m->armed && (uint32_t)(now_ms - m->last_cmd_ms) >= m->watchdog_ms) {
    m->armed = 0;
    m->wd_tripped = 1;
    SAT_INC(m->watchdog_trips);
    set_neutral(m);
    send_event(m, EVENT_WATCHDOG_TRIP, now_ms - m->last_cmd_ms);
  }
  if ((uint32_t)(now_ms - m->last_telemetry_ms) >= TELEMETRY_MS) {
    m->last_telemetry_ms = now_ms;
    send_telemetry(m);
  }
}

void mcu_count_rx_overrun(mcu_t *m) { SAT_INC(m->rx_overruns); }

uint16_t mcu_tx_pending(const mcu_t *m) {
  return (uint16_t)((m->tx_head + MCU_TX_SIZE - m->tx_tail) % MCU_TX_SIZE);
}

uint16_t mcu_tx_pop(mcu_t *m, uint8_t *out, uint16_t max) {
  uint16_t n = 0;
  while (n < max && m->tx_tail != m->tx_head) {
    out[n++] = m->tx[m->tx_tail];
    m->tx_tail = (uint16_t)((m->tx_tail + 1) % MCU_TX_SIZE);
  }
  return n;
}

uint16_t mcu_supply_mv(uint16_t adc) { return (uint16_t)((uint32_t)adc * ADC_REF_MV * SUPPLY_DIVIDER / 1023u); }

uint16_t mcu_current_ca(uint16_t adc) {
  int32_t mv = (int32_t)((uint32_t)adc * ADC_REF_MV / 1023u) - CURRENT_OFFSET_MV;
  if (mv < 0) mv = 0;
  return (uint16_t)(mv * 100 / CURRENT_MV_PER_A);
}

int16_t mcu_temp_cc(uint16_t adc) {
  int32_t mv = (int32_t)((uint32_t)adc * ADC_REF_MV / 1023u);
  return (int16_t)((mv - TEMP_OFFSET_MV) * 10);
}

uint16_t mcu_lights_us(uint16_t permille) {
  if (permille > 1000) permille = 1000;
  return (uint16_t)(PULSE_MIN_US + (uint32_t)permille * (PULSE_MAX_US - PULSE_MIN_US) / 1000u);
}
