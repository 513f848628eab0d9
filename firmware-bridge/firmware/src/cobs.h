#ifndef TETHYS_COBS_H
#define TETHYS_COBS_H
#include <stdint.h>

/* COBS encode src[0,len) into dst (room for len + len/254 + 1); returns bytes written. */
uint16_t cobs_encode(const uint8_t *src, uint16_t len, uint8_t *dst);
/* COBS decode src[0,len) (no delimiter) into dst of size cap; returns length or -1 if malformed. */
int16_t cobs_decode(const uint8_t *src, uint16_t len, uint8_t *dst, uint16_t cap);

#endif
