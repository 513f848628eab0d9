/* Thin hardware layer: one implementation per target (hal_avr.c, hal_host.c). */
#ifndef TETHYS_HAL_H
#define TETHYS_HAL_H
#include <stdint.h>

#include "mcu.h"

/* Milliseconds since start (wraps after ~49 days; the logic uses unsigned differences). */
uint32_t hal_millis(void);
/* Next received byte, or -1 if none is waiting. Sets *overrun when bytes were lost. */
int16_t hal_uart_read(uint8_t *overrun);
/* Queues bytes for transmission; returns how many were accepted. */
uint16_t hal_uart_write(const uint8_t *p, uint16_t len);
/* Applies the pulse widths (µs) of the thrusters, the lights and the camera servo. */
void hal_set_pulses(const uint16_t *thrusters, uint16_t lights_us, uint16_t servo_us, uint32_t now_ms);
/* Samples the analog inputs and the leak line (non-blocking; last completed values). */
void hal_read_inputs(mcu_inputs_t *in);
/* Once per loop: kicks the hardware watchdog / waits for input (host). */
void hal_idle(void);

/* The shared main loop body (app.c). */
void app_init(mcu_t *m, uint32_t boot_detail);
void app_step(mcu_t *m);

#endif
