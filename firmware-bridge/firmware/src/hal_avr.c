/*
 * ATmega2560 (Arduino Mega 2560, 16 MHz) HAL.
 * - Tick: Timer0 CTC at 1 kHz.
 * - UART0 (USB serial) at BAUD, 8N1, RX and TX interrupt-driven ring buffers.
 * - Pulses: hardware PWM, 16-bit Timers 1/3/4/5 in fast PWM mode 14 (TOP = ICRn = 39999,
 *   prescaler 8 -> 0.5 us resolution, 50 Hz). Thrusters 1..8 on OC1A/B/C (D11, D12, D13),
 *   OC3A/B/C (D5, D2, D3), OC4A/B (D6, D7); lights on OC4C (D8); camera servo on OC5A (D46).
 * - ADC: AVcc reference; supply on A0, current on A1, temperature sensor on A2, sampled
 *   round-robin without blocking. (The ATmega2560 has no internal temperature sensor.)
 * - Leak: D22 (PA0), input with pull-up, active low.
 * - Hardware watchdog (250 ms) resets the MCU if the loop hangs; reset state is neutral.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/wdt.h>

#include "config.h"
#include "hal.h"
#include "version.h"

/* The version marker, kept in flash for tools that inspect the image. */
const char tethys_marker[] PROGMEM __attribute__((used)) = FIRMWARE_MARKER;

static volatile uint32_t ms_ticks;
#define RX_SIZE 128
#define TX_SIZE 128
static volatile uint8_t rx_buf[RX_SIZE], rx_head, rx_tail, rx_lost;
static volatile uint8_t tx_buf[TX_SIZE], tx_head, tx_tail;
static uint16_t adc_values[3];
static uint8_t adc_channel;

ISR(TIMER0_COMPA_vect) { ms_ticks++; }

ISR(USART0_RX_vect) {
  uint8_t b = UDR0;
  uint8_t next = (uint8_t)((rx_head + 1) % RX_SIZE);
  if (next == rx_tail) rx_lost = 1;
  else {
    rx_buf[rx_head] = b;
    rx_head = next;
  }
}

ISR(USART0_UDRE_vect) {
  if (tx_head == tx_tail) {
    UCSR0B &= (uint8_t)~_BV(UDRIE0);
    return;
  }
  UDR0 = tx_buf[tx_tail];
  tx_tail = (uint8_t)((tx_tail + 1) % TX_SIZE);
}

uint32_t hal_millis(void) {
  uint32_t t;
  uint8_t s = SREG;
  cli();
  t = ms_ticks;
  SREG = s;
  return t;
}

int16_t hal_uart_read(uint8_t *overrun) {
  if (rx_lost) {
    rx_lost = 0;
    *overrun = 1;
  }
  if (rx_head == rx_tail) return -1;
  uint8_t b = rx_buf[rx_tail];
  rx_tail = (uint8_t)((rx_tail + 1) % RX_SIZE);
  return b;
}

uint16_t hal_uart_write(const uint8_t *p, uint16_t len) {
  uint16_t n = 0;
  while (n < len) {
    uint8_t next = (uint8_t)((tx_head + 1) % TX_SIZE);
    if (next == tx_tail) break;
    tx_buf[tx_head] = p[n++];
    tx_head = next;
  }
  if (n > 0) UCSR0B |= _BV(UDRIE0);
  return n;
}

static uint16_t clamp_ticks(uint16_t us) {
  if (us < PULSE_MIN_US) us = PULSE_MIN_US;
  if (us > PULSE_MAX_US) us = PULSE_MAX_US;
  return (uint16_t)(us * 2u);
}

void hal_set_pulses(const uint16_t *t, uint16_t lights_us, uint16_t servo_us, uint32_t now_ms) {
  (void)now_ms;
  OCR1A = clamp_ticks(t[0]);
  OCR1B = clamp_ticks(t[1]);
  OCR1C = clamp_ticks(t[2]);
  OCR3A = clamp_ticks(t[3]);
  OCR3B = clamp_ticks(t[4]);
  OCR3C = clamp_ticks(t[5]);
  OCR4A = clamp_ticks(t[6]);
  OCR4B = clamp_ticks(t[7]);
  OCR4C = clamp_ticks(lights_us);
  OCR5A = clamp_ticks(servo_us);
}

void hal_read_inputs(mcu_inputs_t *in) {
  if (!(ADCSRA & _BV(ADSC))) {
    adc_values[adc_channel] = ADC;
    adc_channel = (uint8_t)((adc_channel + 1) % 3);
    ADMUX = (uint8_t)(_BV(REFS0) | adc_channel);
    ADCSRA |= _BV(ADSC);
  }
  in->adc_supply = adc_values[0];
  in->adc_current = adc_values[1];
  in->adc_temp = adc_values[2];
  in->leak = (PINA & _BV(PA0)) ? 0 : 1;
}

void hal_idle(void) { wdt_reset(); }

static void pwm_init(void) {
  /* Fast PWM mode 14: WGM13:0 = 1110, non-inverting on A/B/C, prescaler 8. */
  TCCR1A = _BV(COM1A1) | _BV(COM1B1) | _BV(COM1C1) | _BV(WGM11);
  TCCR1B = _BV(WGM13) | _BV(WGM12) | _BV(CS11);
  ICR1 = 39999;
  TCCR3A = _BV(COM3A1) | _BV(COM3B1) | _BV(COM3C1) | _BV(WGM31);
  TCCR3B = _BV(WGM33) | _BV(WGM32) | _BV(CS31);
  ICR3 = 39999;
  TCCR4A = _BV(COM4A1) | _BV(COM4B1) | _BV(COM4C1) | _BV(WGM41);
  TCCR4B = _BV(WGM43) | _BV(WGM42) | _BV(CS41);
  ICR4 = 39999;
  TCCR5A = _BV(COM5A1) | _BV(WGM51);
  TCCR5B = _BV(WGM53) | _BV(WGM52) | _BV(CS51);
  ICR5 = 39999;
  DDRB |= _BV(PB5) | _BV(PB6) | _BV(PB7);
  DDRE |= _BV(PE3) | _BV(PE4) | _BV(PE5);
  DDRH |= _BV(PH3) | _BV(PH4) | _BV(PH5);
  DDRL |= _BV(PL3);
}

static void hw_init(void) {
  /* 1 kHz tick: CTC, prescaler 64, OCR0A = 249. */
  TCCR0A = _BV(WGM01);
  TCCR0B = _BV(CS01) | _BV(CS00);
  OCR0A = 249;
  TIMSK0 = _BV(OCIE0A);
  /* UART0, double speed. */
  UCSR0A = _BV(U2X0);
  UBRR0 = (uint16_t)((F_CPU + BAUD * 4UL) / (BAUD * 8UL) - 1UL);
  UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);
  UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
  /* ADC: AVcc reference, clock / 128, first conversion on A0. */
  ADMUX = _BV(REFS0);
  ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0) | _BV(ADSC);
  /* Leak input with pull-up. */
  DDRA &= (uint8_t)~_BV(PA0);
  PORTA |= _BV(PA0);
  pwm_init();
}

static mcu_t mcu;

/* After a watchdog reset the AVR watchdog stays enabled with its shortest timeout: switch it off
 * before the C runtime initialises memory (avr-libc's documented .init3 pattern). */
static uint8_t reset_cause __attribute__((section(".noinit")));
void early_watchdog_off(void) __attribute__((naked, used, section(".init3")));
void early_watchdog_off(void) {
  reset_cause = MCUSR;
  MCUSR = 0;
  wdt_disable();
}

int main(void) {
  hw_init();
  sei();
  app_init(&mcu, reset_cause);
  wdt_enable(WDTO_250MS);
  for (;;) app_step(&mcu);
}
