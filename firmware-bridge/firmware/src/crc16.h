#ifndef TETHYS_CRC16_H
#define TETHYS_CRC16_H
#include <stdint.h>

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0. "123456789" -> 0x29B1. */
#define CRC16_INIT 0xFFFFu
uint16_t crc16_update(uint16_t crc, uint8_t b);
uint16_t crc16(const uint8_t *p, uint16_t len);

#endif
