/* Protocol and firmware versions. Keep in sync with protocol/version.ts (a test checks). */
#ifndef TETHYS_VERSION_H
#define TETHYS_VERSION_H

#ifndef PROTO_VERSION /* overridable only to build mismatching test firmware */
#define PROTO_VERSION 1
#endif
#define FW_VERSION_MAJOR 0
#define FW_VERSION_MINOR 1
#define FW_VERSION_PATCH 0

#define TETHYS_STR2(x) #x
#define TETHYS_STR(x) TETHYS_STR2(x)
/* The marker tools find in the image: "TETHYS-MCU proto=<N> fw=<x.y.z>" + NUL. */
#define FIRMWARE_MARKER                                                                        \
  "TETHYS-MCU proto=" TETHYS_STR(PROTO_VERSION) " fw=" TETHYS_STR(FW_VERSION_MAJOR) "." TETHYS_STR( \
      FW_VERSION_MINOR) "." TETHYS_STR(FW_VERSION_PATCH)

#endif
