/*
 * Hardware-independent firmware logic: frame reader, command handling, arm state, watchdog,
 * telemetry. Time is passed in (milliseconds from the HAL's tick); bytes go in through
 * mcu_rx_byte and out through a bounded TX ring the main loop drains. No I/O here.
 */
#ifndef TETHYS_MCU_H
#define TETHYS_MCU_H
#include <stdint.h>

#include "messages_gen.h"

#define MCU_RAW_MAX (2 + MAX_PAYLOAD + 2)
#define MCU_WIRE_MAX (MCU_RAW_MAX + MCU_RAW_MAX / 254 + 2)
#define MCU_TX_SIZE 256

/* Raw inputs sampled by the HAL (10-bit ADC counts, leak 1 = water detected). */
typedef struct {
  uint16_t adc_supply;
  uint16_t adc_current;
  uint16_t adc_temp;
  uint8_t leak;
} mcu_inputs_t;

typedef struct mcu {
  /* receive */
  uint8_t rx_buf[MCU_WIRE_MAX];
  uint8_t rx_len;
  uint8_t rx_discard;
  /* transmit ring */
  uint8_t tx[MCU_TX_SIZE];
  uint16_t tx_head, tx_tail;
  uint8_t tx_seq;
  /* state */
  uint32_t now_ms;
  uint32_t last_cmd_ms;
  uint32_t last_telemetry_ms;
  uint32_t rate_window_ms;
  uint16_t loops_in_window;
  uint16_t loop_hz;
  uint8_t synced;
  uint8_t armed;
  uint8_t wd_tripped;
  uint8_t outputs_changed;
  uint16_t watchdog_ms;
  uint16_t pulses[MAX_THRUSTERS];
  uint16_t lights_us;
  uint16_t servo_us;
  mcu_inputs_t inputs;
  /* counters (saturating) */
  uint16_t crc_errors;
  uint16_t frame_errors;
  uint16_t rx_overruns;
  uint16_t tx_overruns;
  uint16_t watchdog_trips;
  /* optional observer (host build reports events on its side channel) */
  void (*on_event)(uint8_t code, uint32_t ms, uint32_t detail);
} mcu_t;

void mcu_init(mcu_t *m, uint32_t now_ms, uint32_t boot_detail);
/* Feeds one received byte; a complete frame is handled at the current time (m->now_ms). */
void mcu_rx_byte(mcu_t *m, uint8_t b);
/* Advances time: watchdog, loop rate, periodic telemetry. Call every loop iteration. */
void mcu_tick(mcu_t *m, uint32_t now_ms, const mcu_inputs_t *in);
/* Counts a byte lost by the HAL's receive buffer. */
void mcu_count_rx_overrun(mcu_t *m);
/* Moves up to `max` queued TX bytes into out; returns the count. */
uint16_t mcu_tx_pop(mcu_t *m, uint8_t *out, uint16_t max);
uint16_t mcu_tx_pending(const mcu_t *m);

/* Scaling of raw ADC counts (pure; exposed for tests). */
uint16_t mcu_supply_mv(uint16_t adc);
uint16_t mcu_current_ca(uint16_t adc);
int16_t mcu_temp_cc(uint16_t adc);
uint16_t mcu_lights_us(uint16_t permille);

#endif
