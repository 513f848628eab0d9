#include "crc16.h"

uint16_t crc16_update(uint16_t crc, uint8_t b) {
  crc ^= (uint16_t)b << 8;
  for (uint8_t i = 0; i < 8; i++) crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
  return crc;
}

uint16_t crc16(const uint8_t *p, uint16_t len) {
  uint16_t crc = CRC16_INIT;
  while (len--) crc = crc16_update(crc, *p++);
  return crc;
}
