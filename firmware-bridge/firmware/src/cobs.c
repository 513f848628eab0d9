#include "cobs.h"

uint16_t cobs_encode(const uint8_t *src, uint16_t len, uint8_t *dst) {
  uint16_t code_at = 0, out = 1;
  uint8_t code = 1;
  for (uint16_t i = 0; i < len; i++) {
    if (src[i] == 0) {
      dst[code_at] = code;
      code_at = out++;
      code = 1;
    } else {
      dst[out++] = src[i];
      if (++code == 0xFF) {
        dst[code_at] = code;
        code_at = out++;
        code = 1;
      }
    }
  }
  dst[code_at] = code;
  return out;
}

int16_t cobs_decode(const uint8_t *src, uint16_t len, uint8_t *dst, uint16_t cap) {
  uint16_t i = 0, out = 0;
  while (i < len) {
    uint8_t code = src[i];
    if (code == 0 || (uint16_t)(i + code) > len) return -1;
    i++;
    for (uint8_t k = 1; k < code; k++) {
      if (src[i] == 0 || out >= cap) return -1;
      dst[out++] = src[i++];
    }
    if (code != 0xFF && i < len) {
      if (out >= cap) return -1;
      dst[out++] = 0;
    }
  }
  return (int16_t)out;
}
