/* Main loop shared by every target: move bytes between the HAL and the logic, apply outputs. */
#include "hal.h"

void app_init(mcu_t *m, uint32_t boot_detail) {
  mcu_init(m, hal_millis(), boot_detail);
  hal_set_pulses(m->pulses, m->lights_us, m->servo_us, m->now_ms);
  m->outputs_changed = 0;
}

void app_step(mcu_t *m) {
  uint8_t buf[32];
  m->now_ms = hal_millis();
  for (uint8_t n = 0; n < 64; n++) {
    uint8_t overrun = 0;
    int16_t b = hal_uart_read(&overrun);
    if (overrun) mcu_count_rx_overrun(m);
    if (b < 0) break;
    mcu_rx_byte(m, (uint8_t)b);
  }
  mcu_inputs_t in;
  hal_read_inputs(&in);
  mcu_tick(m, m->now_ms, &in);
  if (m->outputs_changed) {
    hal_set_pulses(m->pulses, m->lights_us, m->servo_us, m->now_ms);
    m->outputs_changed = 0;
  }
  /* Only take from the ring what the UART accepts, so nothing is lost mid-frame. */
  while (mcu_tx_pending(m) > 0) {
    uint16_t want = mcu_tx_pending(m);
    if (want > sizeof buf) want = sizeof buf;
    uint16_t tail = m->tx_tail;
    uint16_t n = mcu_tx_pop(m, buf, want);
    uint16_t sent = hal_uart_write(buf, n);
    if (sent < n) {
      m->tx_tail = (uint16_t)((tail + sent) % MCU_TX_SIZE);
      break;
    }
  }
  hal_idle();
}
